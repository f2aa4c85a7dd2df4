"""manage.py seed_demo [--hosts N] [--if-empty] [--seed S]: a believable demo network.

Only documentation and benchmarking ranges are used (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15, 2001:db8::/32, 2001:2::/48),
plus 10.0.0.0/8 in its own VRF "lab-large" because no documentation range is
as large as a /8. The data is generated, never scanned: statuses are made up.

Subnets are saved one by one (so the tree is built by the model); hosts are
bulk-inserted with their keys computed here, so 100,000 hosts take seconds.
Beyond the hosts that fill the small subnets, one host in eleven goes into the
/16 198.18.0.0/16 and ten in eleven into the /8 10.0.0.0/8.
"""

from __future__ import annotations

import ipaddress
import random
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from accounts import audit
from ipam import usage
from ipam.addresses import to_key, usable_bounds
from ipam.models import VLAN, VRF, Host, HostOrigin, HostStatus, Subnet, Tag

BATCH = 5000
BIG16 = "198.18.0.0/16"
BIG8 = "10.0.0.0/8"

TAGS = {
    "hq": "#1f5fbf",
    "branch-north": "#0f766e",
    "branch-south": "#b45309",
    "lab": "#7c3aed",
    "server": "#334155",
    "printer": "#64748b",
    "voip": "#0891b2",
    "camera": "#be123c",
    "infra": "#4d7c0f",
    "wifi": "#a16207",
    "dmz": "#dc2626",
    "iot": "#9333ea",
}
VLANS = [
    (None, "home-lan", "A plain LAN without a VLAN tag"),
    (None, "isp-uplink", "Point-to-point to the provider"),
    (10, "users", "Staff desktops and laptops"),
    (20, "servers", "Rack servers and VMs"),
    (30, "voice", "IP phones"),
    (40, "printers", "Printers and scanners"),
    (50, "cameras", "Security cameras"),
    (60, "guest-wifi", "Guest wireless, internet only"),
    (99, "management", "Switch, router and AP management"),
    (100, "dmz", "Public services"),
    (200, "lab", "Benchmark lab"),
]
# (network, vrf, name, vlan vid or plain-LAN name, tags, role)
SUBNETS: list[tuple[str, str | None, str, Any, list[str], str]] = [
    ("198.51.100.0/24", None, "HQ users", 10, ["hq"], "pc"),
    ("198.51.100.0/26", None, "HQ printers", 40, ["hq", "printer"], "printer"),
    ("198.51.100.192/27", None, "HQ phones", 30, ["hq", "voip"], "phone"),
    ("198.51.100.248/29", None, "HQ management", 99, ["hq", "infra"], "infra"),
    ("198.51.100.252/30", None, "HQ uplink", "isp-uplink", ["hq", "infra"], "infra"),
    ("203.0.113.0/24", None, "HQ DMZ", 100, ["hq", "dmz"], "server"),
    ("203.0.113.128/25", None, "HQ cameras", 50, ["hq", "camera"], "camera"),
    ("203.0.113.0/31", None, "Transit to ISP", "isp-uplink", ["infra"], "infra"),
    ("203.0.113.10/32", None, "Anycast DNS", 100, ["dmz"], "server"),
    ("192.0.2.0/24", "branch-north", "North office", "home-lan", ["branch-north"], "pc"),
    ("192.0.2.128/26", "branch-north", "North Wi-Fi", 60, ["branch-north", "wifi"], "wifi"),
    ("192.0.2.0/24", "branch-south", "South office", "home-lan", ["branch-south"], "pc"),
    ("192.0.2.64/28", "branch-south", "South IoT", None, ["branch-south", "iot"], "iot"),
    ("198.18.0.0/15", None, "Benchmark lab", 200, ["lab"], "lab"),
    (BIG16, None, "Lab data centre", 20, ["lab", "server"], "lab"),
    ("198.18.0.0/20", None, "Lab pod 1", 20, ["lab"], "server"),
    ("198.18.0.0/22", None, "Lab pod 1 racks", 20, ["lab"], "server"),
    ("198.18.1.0/24", None, "Rack A", 20, ["lab", "server"], "server"),
    ("198.18.2.0/24", None, "Rack B", 20, ["lab", "server"], "server"),
    ("198.18.3.0/25", None, "Rack C top", 20, ["lab", "server"], "server"),
    ("198.18.3.128/26", None, "Rack C bottom", 20, ["lab", "server"], "server"),
    ("198.18.3.192/27", None, "Rack C PDUs", 99, ["lab", "infra"], "infra"),
    ("198.18.3.224/28", None, "Rack C OOB", 99, ["lab", "infra"], "infra"),
    ("198.18.3.240/29", None, "Rack C switches", 99, ["lab", "infra"], "infra"),
    ("198.18.3.248/30", None, "Rack C uplink", 99, ["lab", "infra"], "infra"),
    ("2001:db8::/32", None, "Documentation IPv6", None, ["hq"], "pc"),
    ("2001:db8:1::/48", None, "HQ IPv6", None, ["hq"], "pc"),
    ("2001:db8:1:10::/64", None, "HQ users v6", 10, ["hq"], "pc"),
    ("2001:db8:1:20::/64", None, "HQ servers v6", 20, ["hq", "server"], "server"),
    ("2001:db8:1:ff::/127", None, "HQ transit v6", "isp-uplink", ["infra"], "infra"),
    ("2001:db8:1:ffff::1/128", None, "HQ loopback v6", 99, ["infra"], "infra"),
    ("2001:2::/48", None, "Lab IPv6", 200, ["lab"], "lab"),
    ("2001:2:0:1::/64", None, "Lab rack v6", 200, ["lab", "server"], "server"),
    (BIG8, "lab-large", "Large lab", None, ["lab"], "lab"),
]
# One subnet of every IPv4 size, named as a network is carved up: chains of first
# halves, /17–/32 in 198.19.0.0/16 (inside the /15) and /9–/14 in 10.0.0.0/8.
CAMPUS = [
    "Campus B",
    "Campus B building 1",
    "Building 1 floor 1",
    "Floor 1 east wing",
    "East wing server room",
    "Server room row 1",
    "Row 1 rack 1",
    "Rack 1 hypervisors",
    "Hypervisor guests",
    "Tenant A",
    "Tenant A web tier",
    "Web tier pool",
    "Load balancer VIPs",
    "VIP pair",
    "Heartbeat link",
    "Service VIP",
]
REGION = ["Region east", "Region east DC 1", "DC 1 hall A", "Hall A pods", "Pod 1", "Pod 1 compute"]
for _length, _name in zip(range(17, 33), CAMPUS, strict=True):
    _net = ipaddress.ip_network(f"198.19.0.0/{_length}")
    SUBNETS.append((str(_net), None, _name, 200, ["lab"], "lab"))
for _length, _name in zip(range(9, 15), REGION, strict=True):
    _net = ipaddress.ip_network(f"10.0.0.0/{_length}")
    SUBNETS.append((str(_net), "lab-large", _name, None, ["lab"], "lab"))

NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
ROLE_NAMES = {
    "pc": ("pc-{name}-{n:02d}", "Workstation of {name}", ["hq"]),
    "printer": ("prn-{n:02d}", "Printer floor {f}", ["printer"]),
    "phone": ("phone-{n:04d}", "Desk phone ext. {n:04d}", ["voip"]),
    "infra": ("sw-{f}-{n:02d}", "Switch on floor {f}", ["infra"]),
    "server": ("srv-{n:03d}", "Server {n:03d}", ["server"]),
    "camera": ("cam-{n:02d}", "Camera {n:02d}", ["camera"]),
    "wifi": ("ap-{f}-{n:02d}", "Access point floor {f}", ["wifi"]),
    "iot": ("iot-{n:03d}", "Sensor {n:03d}", ["iot"]),
    "lab": ("h{n:06d}", "Lab host {n:06d}", ["lab"]),
}


class Command(BaseCommand):
    help = "Fill the database with a believable demo network (documentation ranges only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hosts", type=int, default=500, help="How many hosts (default 500).")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when subnets already exist."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Subnet.objects.exists():
            self.stdout.write("Subnets exist already: demo data not loaded.")
            return
        rng = random.Random(options["seed"])
        with audit.context(door="command"), transaction.atomic():
            subnets = self._structure()
            count = self._hosts(subnets, options["hosts"], rng)
        self.stdout.write(
            f"Demo network: {len(subnets)} subnets, {count} hosts, "
            f"{VLAN.objects.count()} VLANs, {VRF.objects.count()} VRFs."
        )

    def _structure(self) -> list[tuple[Subnet, str]]:
        tags = {
            name: Tag.objects.get_or_create(name=name, defaults={"colour": colour})[0]
            for name, colour in TAGS.items()
        }
        vlans: dict[Any, VLAN] = {}
        for vid, name, description in VLANS:
            vlan, _ = VLAN.objects.get_or_create(
                vid=vid, name=name, defaults={"description": description}
            )
            vlans[vid if vid is not None else name] = vlan
        vrfs: dict[str, VRF] = {}
        for i, name in enumerate(["branch-north", "branch-south", "lab-large"], start=1):
            vrfs[name] = VRF.objects.get_or_create(
                name=name, defaults={"rd": f"65000:{i}", "description": f"Site {name}"}
            )[0]
        made: list[tuple[Subnet, str]] = []
        for network, vrf, name, vlan, tag_names, role in SUBNETS:
            subnet = Subnet.objects.filter(network=network, vrf=vrfs.get(vrf or "")).first()
            if subnet is None:
                subnet = Subnet(
                    network=network,
                    vrf=vrfs.get(vrf or ""),
                    name=name,
                    vlan=vlans.get(vlan) if vlan is not None else None,
                    description=f"{name} (demo data)",
                    scan_enabled=False,
                )
                subnet.save()
                subnet.tags.set([tags[t] for t in tag_names])
            made.append((subnet, role))
        return made

    def _hosts(self, subnets: list[tuple[Subnet, str]], total: int, rng: random.Random) -> int:
        plan = self._plan(subnets, total, rng)
        now = timezone.now()
        taken = set(Host.objects.values_list("vrf_key", "family", "key"))
        rows: list[dict[str, Any]] = []
        wanted_tags: dict[tuple[int, int, str], list[str]] = {}
        serial = 0
        for subnet, role, count in plan:
            children = [(int(c.start_key, 16), int(c.end_key, 16)) for c in subnet.children.all()]
            for value in _sample(subnet, count, children, taken, rng):
                serial += 1
                row = _host_row(subnet, value, role, serial, rng, now)
                rows.append(row)
                names = _host_tags(role, rng)
                if names:
                    wanted_tags[(row["vrf_key"], row["family"], row["key"])] = names
        _insert(rows, now)
        # Link tags by looking the new rows up by their unique (VRF, family, key).
        tags = {t.name: t.pk for t in Tag.objects.all()}
        through = Host.tags.through
        links = []
        for pk, vrf_key, family, key in Host.objects.values_list("pk", "vrf_key", "family", "key"):
            for name in wanted_tags.get((vrf_key, family, key), ()):
                links.append(through(host_id=pk, tag_id=tags[name]))
        through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
        return len(rows)

    def _plan(
        self, subnets: list[tuple[Subnet, str]], total: int, rng: random.Random
    ) -> list[tuple[Subnet, str, int]]:
        """How many hosts each subnet gets: small ones first, the rest into the /16 and /8."""
        plan: list[tuple[Subnet, str, int]] = []
        big: dict[str, tuple[Subnet, str]] = {}
        for subnet, role in subnets:
            if subnet.network in (BIG16, BIG8):
                big[subnet.network] = (subnet, role)
                continue
            own = min(subnet.usable, 250)
            share = 0.5 if subnet.prefix_length >= 24 or subnet.family == 6 else 0.05
            want = max(0, int(own * share * rng.uniform(0.6, 1.0)))
            if subnet.family == 6:
                want = min(want, 40)
            plan.append((subnet, role, want))
        small = sum(n for _s, _r, n in plan)
        if small > total:
            ratio = total / small if small else 0
            plan = [(s, r, int(n * ratio)) for s, r, n in plan]
            small = sum(n for _s, _r, n in plan)
            if plan and small < total:
                s, r, n = plan[0]
                plan[0] = (s, r, n + total - small)
            return plan
        rest = total - small
        to16 = rest // 11
        plan.append((*big[BIG16], to16))
        plan.append((*big[BIG8], rest - to16))
        return plan


def _sample(
    subnet: Subnet,
    count: int,
    children: list[tuple[int, int]],
    taken: set[tuple[int, int, str]],
    rng: random.Random,
) -> list[int]:
    """`count` distinct usable addresses of the subnet that are not inside a child subnet."""
    first, last = usable_bounds(subnet.ip_network)
    # IPv6 hosts cluster at the start of their subnet, as manually numbered ones do.
    last = min(last, first + 4095) if subnet.family == 6 else last
    size = last - first + 1
    out: list[int] = []
    attempts = 0
    while len(out) < count and attempts < 20:
        attempts += 1
        need = count - len(out)
        draw = rng.sample(range(first, last + 1), min(size, need * 2 + 8))
        for value in draw:
            key = (subnet.vrf_key, subnet.family, to_key(value))
            if key in taken or any(lo <= value <= hi for lo, hi in children):
                continue
            taken.add(key)
            out.append(value)
            if len(out) == count:
                break
    return sorted(out)


def _host_row(
    subnet: Subnet, value: int, role: str, serial: int, rng: random.Random, now: datetime
) -> dict[str, Any]:
    """One host as column values, with the keys Host.save() would have computed."""
    address = ipaddress.IPv6Address(value) if subnet.family == 6 else ipaddress.IPv4Address(value)
    pattern, text, _tags = ROLE_NAMES[role]
    fmt = {"name": rng.choice(NAMES), "n": serial % 10000, "f": rng.randint(1, 4)}
    roll = rng.random()
    status, last_seen, latency, first_seen = HostStatus.UNKNOWN.value, None, None, None
    if roll < 0.6:
        status = HostStatus.UP.value
        last_seen = now - timedelta(seconds=rng.randint(5, 600))
        latency = round(rng.uniform(0.2, 40.0), 2)
    elif roll < 0.85:
        status = HostStatus.DOWN.value
        last_seen = now - timedelta(minutes=rng.randint(10, 60 * 24 * 30))
    if last_seen is not None:
        first_seen = last_seen - timedelta(days=rng.randint(1, 400))
    mac = ":".join(f"{rng.randint(0, 255):02x}" for _ in range(6)) if rng.random() < 0.4 else ""
    return {
        "address": str(address),
        "family": subnet.family,
        "key": to_key(value),
        "next_key": to_key(value + 1),
        "subnet_id": subnet.pk,
        "vrf_key": subnet.vrf_key,
        "hostname": pattern.format(**fmt) if rng.random() < 0.85 else "",
        "hostname_source": "manual",
        "ptr_name": "",
        "description": text.format(**fmt) if rng.random() < 0.5 else "",
        "notes": "",
        "mac": mac,
        "origin": HostOrigin.DOCUMENTED.value if rng.random() < 0.8 else "discovered",
        "status": status,
        "latency_ms": latency,
        "first_seen": first_seen,
        "last_seen": last_seen,
        "status_changed_at": last_seen,
    }


def _insert(rows: list[dict[str, Any]], now: datetime) -> None:
    """Plain multi-row INSERTs: the ORM's per-value preparation would dominate at 100,000 rows."""
    if not rows:
        return
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    names = [*rows[0], "created", "updated"]
    columns = ", ".join(ops.quote_name(Host._meta.get_field(n).column or n) for n in names)  # type: ignore[union-attr]
    table = ops.quote_name(Host._meta.db_table)
    dates = ("first_seen", "last_seen", "status_changed_at")
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608 — quoted identifiers only
    # The counters are added in one pass after the rows, as imports do: counted row by row
    # in one transaction, PostgreSQL took most of an hour for 110,000 hosts (ipam/usage.py).
    with usage.inserts_paused(), connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = []
            for row in rows[start : start + BATCH]:
                values = [
                    ops.adapt_datetimefield_value(v) if k in dates and v is not None else v
                    for k, v in row.items()
                ]
                batch.append((*values, stamp, stamp))
            cursor.executemany(sql, batch)
    usage.add_hosts((r["vrf_key"], r["family"], r["key"], r["status"]) for r in rows)


def _host_tags(role: str, rng: random.Random) -> list[str]:
    base = ROLE_NAMES[role][2]
    if role == "lab" and rng.random() < 0.8:
        return []
    return list(base)
