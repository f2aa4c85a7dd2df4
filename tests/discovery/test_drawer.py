"""The host drawer: status, uptime, latency sparkline, hourly bar, ports, events, names, edit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from discovery import history
from discovery.models import HostSample, OpenPort
from ipam.models import Host
from netkeep.charts import SPARK_POINTS, Point, hourly_bar, sparkline
from netkeep.models import Event, EventKind
from tests.discovery.test_views import HX, _quiet  # noqa: F401  (autouse fixture)
from tests.factories import make_host, make_subnet


@pytest.fixture
def host(db: None) -> Host:
    subnet = make_subnet("198.18.0.0/24")
    return make_host("198.18.0.10", subnet, hostname="alpha", status="up", latency_ms=1.5)


def drawer(client: Client, host: Host, **headers: str) -> str:
    response = client.get(reverse("discovery:host_drawer", args=[host.pk]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def samples(host: Host, pattern: str, rtt: float = 2.0, step_min: int = 30) -> None:
    """One sample per `step_min` minutes ending now, oldest first: "u" up, "d" down."""
    now = timezone.now()
    HostSample.objects.bulk_create(
        HostSample(
            host=host,
            at=now - timedelta(minutes=step_min * (len(pattern) - 1 - i)),
            up=c == "u",
            rtt_ms=rtt + i if c == "u" else None,
        )
        for i, c in enumerate(pattern)
    )


def test_htmx_gets_the_drawer_fragment_and_a_browser_the_one_host_page(
    viewer_client: Client, host: Host
) -> None:
    fragment = drawer(viewer_client, host, **HX)
    assert "<html" not in fragment and "198.18.0.10" in fragment
    page = viewer_client.get(reverse("discovery:host_drawer", args=[host.pk]), follow=True)
    html = page.content.decode()
    assert page.redirect_chain == [(host.get_absolute_url(), 302)]
    assert "<html" in html and '<section aria-label="Uptime">' in html


def test_a_host_that_went_down_says_how_long_ago(viewer_client: Client, host: Host) -> None:
    Host.objects.filter(pk=host.pk).update(
        status="down", status_changed_at=timezone.now() - timedelta(minutes=12)
    )
    html = drawer(viewer_client, host, **HX)
    assert 'class="pill pill-down">Down' in html
    assert "went down" in html and "12 min ago" in html


def test_a_host_that_is_up_says_since_when(viewer_client: Client, host: Host) -> None:
    since = timezone.now() - timedelta(hours=3)
    Host.objects.filter(pk=host.pk).update(status_changed_at=since)
    html = drawer(viewer_client, host, **HX)
    assert 'class="pill pill-up">Up' in html
    assert "up since" in html and timezone.localtime(since).strftime("%Y-%m-%d %H:%M") in html
    assert "1.5 ms" in html


def test_open_ports_are_chips_and_closed_ones_are_not_shown(
    viewer_client: Client, host: Host
) -> None:
    OpenPort.objects.create(host=host, port=22, protocol="tcp", service="ssh")
    OpenPort.objects.create(host=host, port=8443, protocol="tcp")
    OpenPort.objects.create(host=host, port=23, protocol="tcp", service="telnet", current=False)
    html = drawer(viewer_client, host, **HX)
    assert ">22/ssh</span>" in html and ">8443/tcp</span>" in html
    assert "23/telnet" not in html


def test_recent_events_are_this_hosts_only(viewer_client: Client, host: Host) -> None:
    other = make_host("198.18.0.11")
    from netkeep.events import _event

    _event(EventKind.HOST_DOWN, host, timezone.now(), {}).save()
    _event(EventKind.PORT_OPENED, other, timezone.now(), {}).save()
    html = drawer(viewer_client, host, **HX)
    assert "Host down" in html and "Port opened" not in html


def test_uptime_is_shown_for_24h_7d_and_30d(viewer_client: Client, host: Host) -> None:
    # Five minutes apart, the last five minutes ago: each stands for 5 minutes, 15 of 20 up.
    for minutes, up in ((20, True), (15, True), (10, True), (5, False)):
        history.record_samples(
            [(host.pk, up, 2.0 if up else None)], timezone.now() - timedelta(minutes=minutes)
        )
    html = drawer(viewer_client, host, **HX)
    uptimes = html.split('<dl class="uptime">', 1)[1].split("</dl>", 1)[0]
    assert uptimes.count("75 %") == 3


def test_a_host_without_samples_says_so(viewer_client: Client, host: Host) -> None:
    html = drawer(viewer_client, host, **HX)
    assert "no data" in html and "No samples in the last 24 h." in html
    assert "<polyline" not in html


def test_the_sparkline_is_an_inline_svg_polyline(viewer_client: Client, host: Host) -> None:
    samples(host, "uuuduu", rtt=1.0)
    html = drawer(viewer_client, host, **HX)
    points = re.search(r'<polyline class="spark-line" points="([^"]+)"', html)
    assert points is not None
    assert len(points.group(1).split()) == 5  # one point per answer; the down one is a mark
    assert html.count('class="spark-down"') == 1
    assert "<script" not in html


def test_the_hourly_bar_colours_each_hour(viewer_client: Client, host: Host) -> None:
    samples(host, "uuuudd", step_min=60)
    html = drawer(viewer_client, host, **HX)
    cells = re.findall(r'class="hour h-(\w+)"', html)
    assert len(cells) == 24
    assert cells[-2:] == ["down", "down"] and cells[-6:-2] == ["up"] * 4
    assert cells[0] == "none"


def test_a_ptr_that_disagrees_with_the_hostname_is_flagged(
    viewer_client: Client, host: Host
) -> None:
    Host.objects.filter(pk=host.pk).update(ptr_name="alpha.lab.example.")
    assert "mismatch" not in drawer(viewer_client, host, **HX)
    Host.objects.filter(pk=host.pk).update(ptr_name="beta.lab.example.")
    html = drawer(viewer_client, host, **HX)
    assert "beta.lab.example." in html and ">mismatch</span>" in html


def test_a_ptr_without_a_documented_hostname_is_no_mismatch(
    viewer_client: Client, host: Host
) -> None:
    Host.objects.filter(pk=host.pk).update(hostname="", ptr_name="gamma.lab.example.")
    html = drawer(viewer_client, host, **HX)
    assert "gamma.lab.example." in html and "mismatch" not in html


def test_the_drawer_holds_the_inline_edit_for_editors(
    editor_client: Client, viewer_client: Client, host: Host
) -> None:
    html = drawer(editor_client, host, **HX)
    assert f'id="host-inline-{host.pk}"' in html
    assert reverse("ipam:host_inline", args=[host.pk]) in html
    assert "Ping now" in html and reverse("discovery:scan_host", args=[host.pk]) in html
    viewer = drawer(viewer_client, host, **HX)
    assert f'id="host-inline-{host.pk}"' in viewer
    assert reverse("ipam:host_inline", args=[host.pk]) + '" hx-target' not in viewer


def test_the_drawer_queries_are_bounded(viewer_client: Client, host: Host) -> None:
    samples(host, "ud")
    with CaptureQueriesContext(connection) as few:
        drawer(viewer_client, host, **HX)
    samples(host, "u" * 1400, step_min=1)
    for port in range(1, 80):
        OpenPort.objects.create(host=host, port=port, protocol="tcp")
    host_type = ContentType.objects.get_for_model(Host)
    for _ in range(30):
        Event.objects.create(kind=EventKind.HOST_UP, content_type=host_type, object_id=host.pk)
    with CaptureQueriesContext(connection) as many:
        html = drawer(viewer_client, host, **HX)
    assert len(many) == len(few)
    assert html.count('class="chip"') == 50


def test_sparkline_averages_long_series_into_a_bounded_number_of_points() -> None:
    now = timezone.now()
    series = [Point(at=now, up=True, rtt_ms=float(i % 7)) for i in range(1440)]
    spark = sparkline(series)
    assert spark is not None and spark.min is not None and spark.max is not None
    assert len(spark.polyline.split()) <= SPARK_POINTS
    assert spark.min >= 0 and spark.max <= 6


def test_a_host_swept_once_gets_a_flat_line_and_its_latency_in_microseconds(
    viewer_client: Client, host: Host
) -> None:
    # A fresh host has one sample: one point draws nothing, so the line runs flat across.
    spark = sparkline([Point(at=timezone.now(), up=True, rtt_ms=0.038)])
    assert spark is not None and spark.polyline.count(",") == 2
    samples(host, "u", rtt=0.038)
    html = drawer(viewer_client, host, **HX)
    assert "last 38 µs" in html and "–" not in html.split("spark-range", 1)[1].split("<", 1)[0]


def test_hourly_bar_marks_mixed_hours() -> None:
    now = timezone.now().replace(minute=30)
    cells = hourly_bar(
        [Point(at=now, up=True, rtt_ms=1.0), Point(at=now, up=False, rtt_ms=None)], now
    )
    assert cells[-1].state == "mixed" and cells[-1].percent == 50
