"""The events page (/events/), its filters at every door, and per-user watches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from discovery import eventlog
from inventory.models import Interface, ServiceCheck
from netkeep import events
from netkeep.models import Event, EventKind, Watch
from tests.conftest import bearer, token_for
from tests.factories import make_device, make_host, make_site, make_subnet

HX = {"HX-Request": "true"}
URL = "/events/"


@pytest.fixture
def lab(db: None) -> dict[str, Any]:
    """Two sites: hq holds a subnet with a host and a device; branch holds another subnet."""
    hq, branch = make_site("hq"), make_site("branch")
    lan = make_subnet("198.18.0.0/24", name="lan", site=hq)
    far = make_subnet("198.18.9.0/24", name="far", site=branch)
    alpha = make_host("198.18.0.10", lan, hostname="alpha")
    beta = make_host("198.18.9.20", far, hostname="beta")
    core = make_device("core1", site=hq)
    edge = make_device("edge9")
    mgmt = make_host("198.18.9.1", far, hostname="edge9-mgmt")
    Interface.objects.create(device=edge, name="eth0", host=mgmt)
    check = ServiceCheck.objects.create(name="web", kind="tcp", target="198.18.9.20:443", host=beta)
    return {
        "hq": hq,
        "branch": branch,
        "lan": lan,
        "far": far,
        "alpha": alpha,
        "beta": beta,
        "core": core,
        "edge": edge,
        "mgmt": mgmt,
        "check": check,
    }


def _event(kind: str, obj: Any, ago: timedelta = timedelta(minutes=5)) -> Event:
    event = events.record(kind, obj)
    Event.objects.filter(pk=event.pk).update(at=timezone.now() - ago)
    return event


def _shown(response: Any) -> list[str]:
    """The object names of the stream's rows, in order."""
    return [row.event.object_repr for row in response.context["rows"]]


def _watched_first(response: Any) -> list[str]:
    return [row.event.object_repr for row in response.context["watched_first"]]


# --- access -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_someone_without_a_role_may_not_read_events_or_watch(
    noaccess_client: Client, lab: dict
) -> None:
    assert noaccess_client.get(URL).status_code == 403
    assert noaccess_client.get(URL, headers=HX).status_code == 403
    url = reverse("events:subnet_watch", args=[lab["lan"].pk])
    assert noaccess_client.post(url, {"watch": "on"}).status_code == 403
    assert noaccess_client.post(url, {"watch": "on"}, headers=HX).status_code == 403
    assert not Watch.objects.exists()


def test_someone_without_a_role_sees_no_events_link_nor_watch_button(
    noaccess_client: Client, viewer_client: Client, lab: dict
) -> None:
    page = viewer_client.get(lab["lan"].get_absolute_url()).content.decode()
    assert 'href="/events/"' in page
    assert "☆ Watch" in page
    home = noaccess_client.get("/").content.decode()
    assert 'href="/events/"' not in home


def test_a_viewer_may_watch_because_a_watch_is_personal(viewer_client: Client, lab: dict) -> None:
    url = reverse("events:host_watch", args=[lab["alpha"].pk])
    response = viewer_client.post(url, {"watch": "on"}, headers=HX)
    assert response.status_code == 200
    assert "Unwatch" in response.content.decode()
    assert Watch.objects.get().user.username == "victor"


def test_watching_only_answers_post(viewer_client: Client, lab: dict) -> None:
    url = reverse("events:host_watch", args=[lab["alpha"].pk])
    assert viewer_client.get(url).status_code == 405


def test_watching_refuses_what_cannot_be_watched_or_does_not_exist(
    viewer_client: Client, lab: dict
) -> None:
    check = f"/events/watch/check/{lab['check'].pk}/"
    assert viewer_client.post(check, {"watch": "on"}).status_code == 404
    gone = reverse("events:device_watch", args=[999999])
    assert viewer_client.post(gone, {"watch": "on"}).status_code == 404
    bad = reverse("events:device_watch", args=[lab["core"].pk])
    response = viewer_client.post(bad, {"watch": "yes please"})
    assert response.status_code == 400
    assert "watch=on" in response.content.decode()
    assert not Watch.objects.exists()


def test_the_api_refuses_events_to_someone_without_a_role(
    api_client: APIClient, nora: User, lab: dict
) -> None:
    bearer(api_client, token_for(api_client, "nora")["access"])
    assert api_client.get("/api/discovery/events").status_code == 403


# --- the stream and its filters ----------------------------------------------------------


def test_it_lists_events_newest_first_with_links_to_their_objects(
    viewer_client: Client, lab: dict
) -> None:
    _event(EventKind.HOST_DOWN, lab["alpha"], timedelta(minutes=9))
    _event(EventKind.CONFIG_CHANGED, lab["core"], timedelta(minutes=1))
    response = viewer_client.get(URL)
    assert _shown(response) == ["core1", str(lab["alpha"])]
    page = response.content.decode()
    assert f'href="{lab["core"].get_absolute_url()}"' in page
    assert f'href="{reverse("ipam:host_detail", args=[lab["alpha"].pk])}"' in page
    assert "Configuration changed" in page


def test_it_pages_the_stream(viewer_client: Client, lab: dict) -> None:
    Event.objects.bulk_create(
        Event(kind=EventKind.HOST_UP, object_repr=f"h{i}") for i in range(eventlog.EVENTS_PAGE + 3)
    )
    first = viewer_client.get(URL)
    assert len(first.context["rows"]) == eventlog.EVENTS_PAGE
    assert "Page 1 of 2" in first.content.decode()
    assert len(viewer_client.get(URL + "?page=2").context["rows"]) == 3


def test_it_filters_by_kind_and_by_object_type(viewer_client: Client, lab: dict) -> None:
    _event(EventKind.HOST_DOWN, lab["alpha"])
    _event(EventKind.HOST_UP, lab["beta"])
    _event(EventKind.BACKUP_FAILED, lab["core"])
    assert _shown(viewer_client.get(URL + "?kind=host_down")) == [str(lab["alpha"])]
    assert _shown(viewer_client.get(URL + "?type=device")) == ["core1"]


def test_an_object_filter_includes_what_the_object_contains(
    viewer_client: Client, lab: dict
) -> None:
    _event(EventKind.HOST_DOWN, lab["alpha"])
    _event(EventKind.HOST_DOWN, lab["beta"])
    _event(EventKind.SERVICE_DOWN, lab["check"])
    _event(EventKind.HOST_DOWN, lab["mgmt"])
    _event(EventKind.BACKUP_FAILED, lab["edge"])
    far = viewer_client.get(f"{URL}?object=subnet:{lab['far'].pk}")
    assert sorted(_shown(far)) == sorted([str(lab["beta"]), "web", str(lab["mgmt"])])
    edge = viewer_client.get(f"{URL}?object=device:{lab['edge'].pk}")
    assert sorted(_shown(edge)) == sorted(["edge9", str(lab["mgmt"])])
    host = viewer_client.get(f"{URL}?object=host:{lab['beta'].pk}")
    assert sorted(_shown(host)) == sorted([str(lab["beta"]), "web"])


def test_a_site_filter_finds_subnets_hosts_devices_and_checks_of_that_site(
    viewer_client: Client, lab: dict
) -> None:
    _event(EventKind.HOST_DOWN, lab["alpha"])
    _event(EventKind.CONFIG_CHANGED, lab["core"])
    _event(EventKind.HOST_DOWN, lab["beta"])
    _event(EventKind.SERVICE_DOWN, lab["check"])
    _event(EventKind.BACKUP_FAILED, lab["edge"])  # a device with no site
    hq = viewer_client.get(f"{URL}?site={lab['hq'].pk}")
    assert sorted(_shown(hq)) == sorted([str(lab["alpha"]), "core1"])
    branch = viewer_client.get(f"{URL}?site={lab['branch'].pk}")
    assert sorted(_shown(branch)) == sorted([str(lab["beta"]), "web"])


def test_it_filters_by_period_and_by_a_time_range(viewer_client: Client, lab: dict) -> None:
    _event(EventKind.HOST_DOWN, lab["alpha"], timedelta(minutes=30))
    _event(EventKind.HOST_DOWN, lab["beta"], timedelta(days=3))
    assert _shown(viewer_client.get(URL + "?period=24h")) == [str(lab["alpha"])]
    since = (timezone.localtime() - timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
    until = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    ranged = viewer_client.get(f"{URL}?since={since}&until={until}")
    assert _shown(ranged) == [str(lab["beta"])]


def test_it_filters_by_name(viewer_client: Client, lab: dict) -> None:
    _event(EventKind.HOST_DOWN, lab["alpha"])
    _event(EventKind.HOST_DOWN, lab["beta"])
    assert _shown(viewer_client.get(URL + "?name=ALPHA")) == [str(lab["alpha"])]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("kind=host_exploded", "Kind: Select a valid choice"),
        ("type=router", "Object type: Select a valid choice"),
        ("object=router:5", "is not an object: write a type and an id, e.g. host:12"),
        ("object=host:abc", "is not an object"),
        ("site=999999", "Site: No site has the id “999999”"),
        ("site=hq", "Site: No site has the id “hq”"),
        ("period=5y", "Time: Select a valid choice"),
        ("since=yesterday", "From: Enter a valid date/time"),
        ("watched=maybe", "is not a yes/no value"),
    ],
)
def test_a_filter_value_it_cannot_use_is_an_error_that_says_so(
    viewer_client: Client, lab: dict, query: str, says: str
) -> None:
    _event(EventKind.HOST_DOWN, lab["alpha"])
    response = viewer_client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert says in response.content.decode()
    assert _shown(response) == []
    hx = viewer_client.get(f"{URL}?{query}", headers=HX)
    assert says in hx.content.decode()


@pytest.mark.parametrize(
    "query", ["kind=nope", "object=router:5", "since=yesterday", "site=x", "watched=maybe"]
)
def test_the_api_answers_a_bad_filter_with_a_field_error(
    api_client: APIClient, victor: User, lab: dict, query: str
) -> None:
    bearer(api_client, token_for(api_client, "victor")["access"])
    response = api_client.get(f"/api/discovery/events?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_the_api_list_has_the_pages_filters(api_client: APIClient, victor: User, lab: dict) -> None:
    _event(EventKind.HOST_DOWN, lab["alpha"])
    _event(EventKind.HOST_DOWN, lab["beta"])
    _event(EventKind.SERVICE_DOWN, lab["check"])
    bearer(api_client, token_for(api_client, "victor")["access"])
    site = api_client.get(f"/api/discovery/events?site={lab['branch'].pk}").json()
    assert sorted(e["object_repr"] for e in site["results"]) == sorted([str(lab["beta"]), "web"])
    one = api_client.get(f"/api/discovery/events?object=host:{lab['alpha'].pk}").json()
    assert [e["object_repr"] for e in one["results"]] == [str(lab["alpha"])]
    old = api_client.get(f"/api/discovery/events?object_id={lab['alpha'].pk}").json()
    assert {e["object_id"] for e in old["results"]} == {str(lab["alpha"].pk)}


def test_the_page_costs_the_same_queries_for_few_and_many_events(
    viewer_client: Client, victor: User, lab: dict
) -> None:
    eventlog.set_watch(victor, eventlog.SUBJECTS["subnet"], lab["lan"].pk, True)
    eventlog.set_watch(victor, eventlog.SUBJECTS["device"], lab["core"].pk, True)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert viewer_client.get(URL).status_code == 200
        return len(queries)

    _event(EventKind.HOST_DOWN, lab["alpha"])
    few = cost()
    for obj in (lab["alpha"], lab["beta"], lab["core"], lab["check"], lab["edge"]) * 6:
        _event(EventKind.HOST_UP, obj)
    assert cost() == few


# --- watches ---------------------------------------------------------------------------


def test_watched_objects_events_come_first_and_the_page_says_so(
    viewer_client: Client, lab: dict
) -> None:
    _event(EventKind.HOST_DOWN, lab["alpha"], timedelta(hours=2))  # in the watched subnet
    for _ in range(3):
        _event(EventKind.HOST_UP, lab["beta"], timedelta(minutes=1))
    url = reverse("events:subnet_watch", args=[lab["lan"].pk])
    viewer_client.post(url, {"watch": "on", "next": URL})
    response = viewer_client.get(URL)
    page = response.content.decode()
    assert "What you watch comes first" in page
    assert page.index("What you watch comes first") < page.index("All events")
    assert _watched_first(response) == [str(lab["alpha"])]
    assert [r.watched for r in response.context["rows"]] == [False, False, False, True]
    only = viewer_client.get(URL + "?watched=true")
    assert _shown(only) == [str(lab["alpha"])]
    rest = viewer_client.get(URL + "?watched=false")
    assert str(lab["alpha"]) not in _shown(rest)


def test_watches_are_per_person(
    viewer_client: Client, editor_client: Client, victor: User, lab: dict
) -> None:
    _event(EventKind.CONFIG_CHANGED, lab["core"])
    eventlog.set_watch(victor, eventlog.SUBJECTS["device"], lab["core"].pk, True)
    assert _watched_first(viewer_client.get(URL)) == ["core1"]
    assert editor_client.get(URL).context["watched_first"] == []
    assert "What you watch" not in editor_client.get(URL).content.decode()


def test_unwatching_removes_the_watch_even_of_a_deleted_object(
    viewer_client: Client, victor: User, lab: dict
) -> None:
    eventlog.set_watch(victor, eventlog.SUBJECTS["host"], lab["alpha"].pk, True)
    pk = lab["alpha"].pk
    lab["alpha"].delete()
    assert "(deleted)" in viewer_client.get(URL).content.decode()
    url = reverse("events:host_watch", args=[pk])
    response = viewer_client.post(url, {"watch": "off", "next": URL})
    assert response.status_code == 302
    assert response["Location"] == URL
    assert not Watch.objects.exists()


def test_watching_twice_keeps_one_watch(viewer_client: Client, lab: dict) -> None:
    url = reverse("events:device_watch", args=[lab["core"].pk])
    viewer_client.post(url, {"watch": "on"})
    viewer_client.post(url, {"watch": "on"})
    assert Watch.objects.count() == 1


def test_after_watching_it_goes_back_only_to_a_page_of_this_site(
    viewer_client: Client, lab: dict
) -> None:
    url = reverse("events:device_watch", args=[lab["core"].pk])
    response = viewer_client.post(url, {"watch": "on", "next": "https://evil.example/"})
    assert response["Location"] == URL
    back = lab["core"].get_absolute_url()
    assert viewer_client.post(url, {"watch": "off", "next": back})["Location"] == back


@pytest.mark.parametrize("name", ["lan", "alpha", "core"])
def test_subnet_host_and_device_pages_have_a_watch_button_that_posts_with_csrf(
    viewer_client: Client, lab: dict, name: str
) -> None:
    obj = lab[name]
    label = eventlog.subject_of(type(obj)).label  # type: ignore[union-attr]
    page_url = obj.get_absolute_url()
    page = viewer_client.get(page_url).content.decode()
    action = reverse(f"events:{label}_watch", args=[obj.pk])
    assert f'hx-post="{action}"' in page
    assert "csrfmiddlewaretoken" in page
    viewer_client.post(action, {"watch": "on"}, headers=HX)
    assert "Unwatch" in viewer_client.get(page_url).content.decode()


def test_the_watch_button_is_refused_without_a_csrf_token(victor: User, lab: dict) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(victor)
    url = reverse("events:device_watch", args=[lab["core"].pk])
    assert strict.post(url, {"watch": "on"}).status_code == 403
    assert not Watch.objects.exists()


# --- watches through the API --------------------------------------------------------------

WATCHES = "/api/auth/watches"


def test_the_api_lists_creates_and_deletes_only_your_own_watches(
    api_client: APIClient, victor: User, erin: User, lab: dict
) -> None:
    eventlog.set_watch(erin, eventlog.SUBJECTS["device"], lab["core"].pk, True)
    bearer(api_client, token_for(api_client, "victor")["access"])
    created = api_client.post(WATCHES, {"type": "subnet", "object_id": lab["lan"].pk})
    assert created.status_code == 201
    assert created.json()["type"] == "subnet"
    assert created.json()["object_id"] == lab["lan"].pk
    again = api_client.post(WATCHES, {"type": "subnet", "object_id": lab["lan"].pk})
    assert again.json()["id"] == created.json()["id"]
    listed = api_client.get(WATCHES).json()["results"]
    assert [(w["type"], w["object_id"]) for w in listed] == [("subnet", lab["lan"].pk)]
    erins = Watch.objects.get(user=erin).pk
    assert api_client.delete(f"{WATCHES}/{erins}").status_code == 404
    assert api_client.delete(f"{WATCHES}/{created.json()['id']}").status_code == 204
    assert list(Watch.objects.values_list("user__username", flat=True)) == ["erin"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "check", "object_id": 1}, "type"),
        ({"type": "subnet", "object_id": 999999}, "object_id"),
        ({"type": "subnet", "object_id": "x"}, "object_id"),
        ({"type": "subnet"}, "object_id"),
    ],
)
def test_the_api_refuses_a_watch_it_cannot_make_with_a_field_error(
    api_client: APIClient, victor: User, lab: dict, body: dict, field: str
) -> None:
    bearer(api_client, token_for(api_client, "victor")["access"])
    response = api_client.post(WATCHES, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Watch.objects.exists()


def test_the_api_refuses_watches_to_someone_without_a_role(
    api_client: APIClient, nora: User, lab: dict
) -> None:
    bearer(api_client, token_for(api_client, "nora")["access"])
    assert api_client.get(WATCHES).status_code == 403
    response = api_client.post(WATCHES, {"type": "subnet", "object_id": lab["lan"].pk})
    assert response.status_code == 403
    assert not Watch.objects.exists()
    api_client.credentials()
    assert api_client.get(WATCHES).status_code == 401


def test_the_subnet_page_reads_its_watch_state_with_the_subnet(
    viewer_client: Client, editor_client: Client, victor: User, lab: dict
) -> None:
    """The button says Unwatch for the person who watches it only, with no query of its own."""
    lan = lab["lan"]
    eventlog.set_watch(victor, eventlog.SUBJECTS["subnet"], lan.pk, True)
    viewer_client.get(lan.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        page = viewer_client.get(lan.get_absolute_url()).content.decode()
    assert "Unwatch" in page
    watch_reads = [q["sql"] for q in queries.captured_queries if '"netkeep_watch"' in q["sql"]]
    assert len(watch_reads) == 1 and '"ipam_subnet"' in watch_reads[0]
    assert "Unwatch" not in editor_client.get(lan.get_absolute_url()).content.decode()
    eventlog.set_watch(victor, eventlog.SUBJECTS["subnet"], lan.pk, False)
    assert "Unwatch" not in viewer_client.get(lan.get_absolute_url()).content.decode()
