"""Plain factory helpers for tests: make_<noun>(**overrides)."""

from __future__ import annotations
