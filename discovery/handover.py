"""From discovery to inventory: what a discovered host tells the new-device form."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from discovery.models import OpenPort
from ipam.models import Host

SSH_PORTS = (22,)


def device_form_url(host: Host) -> str:
    """The new-device form, filled with the host's address, hostname and open ports."""
    ports = list(
        OpenPort.objects.filter(host=host, current=True)
        .order_by("port")
        .values_list("port", "protocol", "service")
    )
    chips = ", ".join(f"{port}/{service or protocol}" for port, protocol, service in ports)
    name = (host.hostname or host.ptr_name or "").split(".")[0] or f"host-{host.address}"
    params = {
        "name": name.replace(":", "-"),
        "management_address": host.address,
        "vrf": host.subnet.vrf_id or "",
        "description": host.description,
        "notes": f"Open ports when added from discovery: {chips}." if chips else "",
        "ssh": "1" if any(p == 22 and proto == "tcp" for p, proto, _ in ports) else "",
    }
    return f"{reverse('inventory:device_create')}?{urlencode(params)}"
