"""Garbage or overflowing ids and filters in query strings and forms: an answer, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from discovery.models import ScanRun
from netkeep.params import parse_pk, parse_pks
from tests.factories import make_subnet

HUGE = "99999999999999999999"


def test_ids_are_read_only_when_they_fit_a_bigint() -> None:
    assert parse_pk("42") == 42
    assert [parse_pk(v) for v in ("", None, "abc", "-1", "4.2", "²", HUGE)] == [None] * 7
    assert parse_pks(["3", "x", HUGE, "5"]) == [3, 5]


@pytest.mark.parametrize("text", ["1", "10.0", "garbage", "1.2.3.4/33", " 10.0.0.1", "-1", HUGE])
def test_the_run_list_filter_takes_any_text(admin_client: Client, text: str) -> None:
    assert admin_client.get("/discovery/runs/", {"subnet": text}).status_code == 200


def test_the_run_list_filter_still_finds_runs_by_network_id_and_target(
    admin_client: Client,
) -> None:
    subnet = make_subnet("198.18.0.0/24")
    ScanRun.objects.create(kind="sweep", target=subnet.network, subnet=subnet, status="succeeded")
    for text in ("198.18.0.0/24", str(subnet.pk), "198.18.0"):
        page = admin_client.get("/discovery/runs/", {"subnet": text}).content.decode()
        assert "198.18.0.0/24" in page, text


# A NUL in any query string is a 400 naming the parameter (tests/test_text_input.py).
@pytest.mark.parametrize("value", ["abc", "10.0.0.0/8", HUGE])
def test_the_new_host_form_ignores_a_bad_subnet_parameter(
    editor_client: Client, value: str
) -> None:
    assert editor_client.get("/ipam/hosts/new/", {"subnet": value}).status_code == 200


def test_the_discovery_home_ignores_overflowing_watched_ids(viewer_client: Client) -> None:
    response = viewer_client.get("/discovery/", {"watch": f"{HUGE},abc,1"})
    assert response.status_code == 200


@pytest.mark.parametrize("field", ["item", "accept_one", "dismiss_one"])
def test_deciding_an_overflowing_reconciliation_item_says_what_to_do(
    admin_client: Client, field: str
) -> None:
    data = {"action": "accept", field: HUGE}
    response = admin_client.post("/discovery/reconcile/decide/", data, follow=True)
    assert response.status_code == 200
    assert "Choose at least one difference" in response.content.decode()
