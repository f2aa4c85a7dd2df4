"""Event details in words wherever events are shown; the API keeps the JSON."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from netkeep import events
from netkeep.models import Event, EventKind
from tests.factories import make_device, make_host, make_subnet

pytestmark = pytest.mark.django_db

# What a Python value looks like when a template prints it.
PYTHON = re.compile(r"\[\{|\['|\{'|': |\bTrue\b|\bFalse\b|\bNone\b")


@pytest.fixture
def happened(db: None) -> dict[str, Event]:
    subnet = make_subnet("198.18.0.0/24", name="servers")
    host = make_host("198.18.0.10", subnet, hostname="alpha")
    router = make_device("lab-router")
    return {
        "config": events.record(
            EventKind.CONFIG_CHANGED,
            router,
            version=3,
            previous=2,
            added=1,
            removed=1,
            summary=["- hostname old-router", "+ hostname lab-router"],
        ),
        "port": events.record(
            EventKind.PORT_OPENED, host, port=22, protocol="tcp", service="ssh", label="22/ssh"
        ),
        "up": events.record(EventKind.HOST_UP, host, rtt_ms=0.42),
        "ptr": events.record(EventKind.PTR_CHANGED, host, old="", new="alpha.lab.test"),
        "failed": events.record(
            EventKind.BACKUP_FAILED, router, reason="No answer (timeout)", error="timeout", run=7
        ),
    }


def test_each_kind_of_event_reads_as_a_sentence(happened: dict[str, Event]) -> None:
    assert happened["config"].summary == "version 3 (was 2): 1 line added, 1 removed"
    assert happened["config"].diff_lines == ["- hostname old-router", "+ hostname lab-router"]
    assert happened["port"].summary == "22/ssh"
    assert happened["up"].summary == "answered in 0.42 ms"
    assert happened["ptr"].summary == "no name → alpha.lab.test"
    assert happened["failed"].summary == "No answer (timeout)"


def test_details_of_an_unknown_shape_are_words_not_python(db: None) -> None:
    odd = Event.objects.create(
        kind=EventKind.CONFIG_CHANGED, details={"lines": ["a", "b"], "extra": {"k": True}}
    )
    assert odd.summary == "lines: a; b; extra: k yes"


@pytest.mark.parametrize("url", ["/events/", "/", "/discovery/"])
def test_pages_that_show_events_show_their_details_in_words(
    admin_client: Client, happened: dict[str, Event], url: str
) -> None:
    text = admin_client.get(url).content.decode()
    main = text.split("<main", 1)[1]
    assert "version 3 (was 2): 1 line added, 1 removed" in main
    assert "answered in 0.42 ms" in main
    assert not PYTHON.search(main), PYTHON.search(main)


def test_the_events_page_shows_a_config_changes_lines_one_per_line(
    admin_client: Client, happened: dict[str, Event]
) -> None:
    text = admin_client.get("/events/").content.decode()
    assert '<span class="del">- hostname old-router</span>\n' in text
    assert '<span class="ins">+ hostname lab-router</span>\n' in text


def test_the_api_keeps_the_details_as_json(
    admin_client: Client, happened: dict[str, Event]
) -> None:
    body = admin_client.get("/api/discovery/events/").json()
    config = next(e for e in body["results"] if e["kind"] == EventKind.CONFIG_CHANGED)
    assert config["details"]["summary"] == ["- hostname old-router", "+ hostname lab-router"]
