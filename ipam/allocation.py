"""Finding and allocating free addresses, safe under concurrency on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from ipam.addresses import from_key, to_key

if TYPE_CHECKING:
    from ipam.models import Host, Subnet


class SubnetFull(Exception):
    """No free address is left in the subnet."""


def next_free_keys(subnet: Subnet, count: int = 1, after: str | None = None) -> list[str]:
    """Keys of the first `count` usable addresses that are neither a host nor in a child subnet.

    Each step costs a few indexed queries whatever the number of hosts: a run
    of used addresses is skipped with one query for the first host whose next
    address is not a host. The subnet's gateway is kept for its router.
    """
    from ipam.addresses import address_key, parse_address
    from ipam.models import Host

    gateway = address_key(parse_address(subnet.gateway)) if subnet.gateway else ""
    first, last = (int(k, 16) for k in subnet.usable_keys())
    candidate = max(first, int(after, 16) + 1) if after else first
    same_table = Host.objects.filter(vrf_key=subnet.vrf_key, family=subnet.family)
    found: list[str] = []
    while len(found) < count and candidate <= last:
        key = to_key(candidate)
        child = subnet.children.filter(start_key__lte=key, end_key__gte=key).first()
        if child is not None:
            candidate = int(child.end_key, 16) + 1
            continue
        if not same_table.filter(key=key).exists():
            # A free address starts a free run that ends before the next host or child:
            # take as much of it as needed at once.
            stop = last + 1
            next_host = (
                same_table.filter(key__gt=key, key__lte=to_key(last))
                .order_by("key")
                .values_list("key", flat=True)
                .first()
            )
            next_child = (
                subnet.children.filter(start_key__gt=key)
                .order_by("start_key")
                .values_list("start_key", flat=True)
                .first()
            )
            for bound in (next_host, next_child):
                if bound is not None:
                    stop = min(stop, int(bound, 16))
            take = min(count - len(found), stop - candidate)
            found += [k for v in range(candidate, candidate + take) if (k := to_key(v)) != gateway]
            candidate += take
            continue
        run_end = (
            same_table.filter(key__gte=key, key__lte=to_key(last))
            .exclude(
                Exists(
                    Host.objects.filter(
                        vrf_key=OuterRef("vrf_key"),
                        family=OuterRef("family"),
                        key=OuterRef("next_key"),
                    )
                )
            )
            .order_by("key")
            .values_list("next_key", flat=True)
            .first()
        )
        if run_end is None:
            break
        candidate = int(run_end, 16)
    return found


def allocate(subnet: Subnet, count: int = 1, **fields: object) -> list[Host]:
    """Create `count` hosts on the first free addresses, atomically.

    The subnet row is locked for the transaction (PostgreSQL); SQLite's
    IMMEDIATE transactions serialise writers; and the unique constraint on
    (VRF, address) turns any remaining race into a retry, never a duplicate.
    """
    from ipam.models import Host, Subnet

    for _attempt in range(5):
        try:
            with transaction.atomic():
                locked = Subnet.objects.select_for_update().get(pk=subnet.pk)
                keys = next_free_keys(locked, count)
                if len(keys) < count:
                    raise SubnetFull(
                        f"{locked.network} has {len(keys)} free address(es); "
                        f"{count} were asked for."
                    )
                hosts = []
                for key in keys:
                    host = Host(address=str(from_key(key, locked.family)), subnet=locked, **fields)
                    host.save()
                    hosts.append(host)
                return hosts
        except IntegrityError:
            continue
    raise SubnetFull(f"{subnet.network}: could not allocate after several attempts; try again.")


def allocate_subnet(parent: Subnet, prefix_length: int, **fields: object) -> Subnet:
    """Create a child subnet of `prefix_length` on the first free block of `parent`, atomically.

    Locked like `allocate()`: the parent row for the transaction (PostgreSQL),
    IMMEDIATE transactions (SQLite), and the (VRF, network) unique constraint.
    """
    from ipam.models import Subnet

    most = 32 if parent.family == 4 else 128
    if not parent.prefix_length < prefix_length <= most:
        raise ValidationError(
            {
                "prefix_length": f"A child of {parent.network} needs a prefix length from "
                f"{parent.prefix_length + 1} to {most}."
            }
        )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                locked = Subnet.objects.select_for_update().get(pk=parent.pk)
                block = next(
                    (b for b in locked.iter_free_prefixes() if b.prefixlen <= prefix_length),
                    None,
                )
                if block is None:
                    raise SubnetFull(f"{locked.network} has no free /{prefix_length} left.")
                network = next(block.subnets(new_prefix=prefix_length))
                child = Subnet(network=str(network), vrf=locked.vrf, **fields)
                child.full_clean()
                child.save()
                return child
        except IntegrityError:
            continue
    raise SubnetFull(f"{parent.network}: could not allocate after several attempts; try again.")
