"""A host's uptime, latency chart, open ports and recent events: the drawer and the host page."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from discovery import history
from ipam.host_panels import Panel
from ipam.models import Host
from netkeep import charts
from netkeep.models import Event

DRAWER_PORTS = 50
DRAWER_EVENTS = 8


def status_context(host: Host) -> dict[str, Any]:
    """What `discovery/_host_status.html` shows, read once (a bounded number of queries)."""
    now = timezone.now()
    series = history.latency_series(host, now=now)
    return {
        "ports": host.open_ports.filter(current=True)[:DRAWER_PORTS],
        "events": Event.objects.for_object(host)[:DRAWER_EVENTS],
        "uptime": history.uptimes(host, now=now),
        "spark": charts.sparkline(series),
        "bar": charts.hourly_bar(series, now),
    }


def host_panel(host: Host, user: Any) -> Panel | None:
    """The host page's status section (ipam.host_panels)."""
    return Panel("discovery/_host_status.html", status_context(host))
