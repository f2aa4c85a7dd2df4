"""Plain factory helpers for tests: make_<noun>(**overrides)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from ipam import usage
from ipam.models import VLAN, VRF, Host, Subnet, Tag


def make_vrf(name: str = "blue", **overrides: Any) -> VRF:
    return VRF.objects.create(name=name, **overrides)


def make_vlan(vid: int | None = 10, name: str = "users", **overrides: Any) -> VLAN:
    return VLAN.objects.create(vid=vid, name=name, **overrides)


def make_tag(name: str = "core", **overrides: Any) -> Tag:
    return Tag.objects.create(name=name, **overrides)


def make_subnet(network: str = "198.51.100.0/24", **overrides: Any) -> Subnet:
    subnet = Subnet(network=network, **overrides)
    subnet.full_clean()
    subnet.save()
    return subnet


def make_host(address: str, subnet: Subnet | None = None, **overrides: Any) -> Host:
    if subnet is None:
        import ipaddress

        subnet = Subnet.objects.best_match(0, ipaddress.ip_address(address))
        assert subnet is not None, f"no subnet contains {address}"
    host = Host(address=address, subnet=subnet, **overrides)
    host.full_clean()
    host.save()
    return host


def make_hosts(subnet: Subnet, addresses: Iterable[str], **fields: Any) -> int:
    """Many hosts of one subnet in bulk (for page-size and query-count tests).

    The caller passes addresses of `subnet` that no child subnet holds: bulk
    creation skips Host.save(), which would otherwise pick the best subnet.
    """
    hosts = []
    for address in addresses:
        host = Host(address=address, subnet=subnet, **fields)
        host.derive()
        hosts.append(host)
    if len(hosts) < 1000:
        Host.objects.bulk_create(hosts, batch_size=2000)  # counted by the insert trigger
        return len(hosts)
    # Thousands are counted in one pass, as imports do: counted row by row in one
    # transaction, PostgreSQL slows down with every row (ipam/usage.py).
    with transaction.atomic(), usage.inserts_paused():
        Host.objects.bulk_create(hosts, batch_size=2000)
    usage.add_hosts((h.vrf_key, h.family, h.key, h.status) for h in hosts)
    return len(hosts)


def make_site(name: str = "hq", **overrides: Any) -> Any:
    from ipam.models import Site

    return Site.objects.create(name=name, **overrides)


def make_device(name: str = "core1", **overrides: Any) -> Any:
    from inventory.models import Device

    device = Device(name=name, **overrides)
    device.full_clean()
    device.save()
    return device


def make_credential_set(name: str = "ops", **overrides: Any) -> Any:
    from inventory.models import CredentialSet

    fields = {"username": "netops", "password": "s3cret-pass", **overrides}
    cred = CredentialSet(name=name, **fields)
    cred.full_clean()
    cred.save()
    return cred
