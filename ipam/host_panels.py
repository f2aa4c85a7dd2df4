"""Sections other apps add to the host page (discovery's uptime, latency, ports and events).

ipam imports no other app: an app registers a panel at start-up, and the host
page asks each panel once for its template and context. The one host page thus
shows everything the host drawer shows, without a second per-host page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipam.models import Host


@dataclass(frozen=True)
class Panel:
    """A section of the host page: the template to include and what it needs."""

    template: str
    context: dict[str, Any]


Builder = Callable[["Host", Any], Panel | None]
_builders: list[Builder] = []


def register(builder: Builder) -> None:
    """Add a panel: host and user in, a Panel out (None when the user may not see it)."""
    if builder not in _builders:
        _builders.append(builder)


def panels(host: Host, user: Any) -> list[Panel]:
    """Every registered panel this user may see, in registration order."""
    return [p for b in _builders if (p := b(host, user)) is not None]
