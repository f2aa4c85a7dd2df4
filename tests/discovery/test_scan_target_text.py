"""A scan target the address parser refuses: a 400 saying what to write instead."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from discovery.models import ScanRun

# (target, words the answer must hold)
REFUSED = [
    ("::ffff:127.0.0.1", "127.0.0.1"),
    ("::ffff:198.18.0.5", "198.18.0.5"),
    ("::ffff:198.18.0.0/120", "198.18.0.0/24"),
    ("fe80::1%eth0", "zone"),
    ("198.18.0.0%1/24", "zone"),
    ("198.018.0.0/24", "leading zero"),
    ("%s", "%s has a zone index"),
]


@pytest.fixture(autouse=True)
def allow_lab(settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/15", "127.0.0.0/8", "fe80::/10"]


@pytest.mark.parametrize(("target", "words"), REFUSED)
@pytest.mark.parametrize("kind", ["sweep", "ports", "dns"])
def test_the_api_refuses_a_target_the_parser_refuses_with_a_400(
    erin: User, target: str, words: str, kind: str
) -> None:
    client = APIClient()
    client.force_authenticate(erin)
    response = client.post("/api/discovery/runs/", {"kind": kind, "target": target}, format="json")
    assert response.status_code == 400, response.content
    assert words in response.json()["target"][0]
    assert not ScanRun.objects.exists()
