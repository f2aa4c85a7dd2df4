"""CSV import of VLANs, subnets and hosts: the importers behind the page, the command, the API.

Hosts are imported in batches (netkeep.importing): every row is parsed and
checked against lookups loaded once per file (VRFs, each VRF's subnets for the
longest-prefix match, every existing address in one query per chunk), then
written with bulk inserts and updates. Subnets and VLANs are saved row by row
in savepoints inside one transaction, so later rows see earlier ones (a subnet
on line 3 becomes the parent of one on line 9); their files are small.
Headers of phpIPAM's address, subnet and VLAN exports are accepted too.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from ipaddress import IPv4Address
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from accounts import audit
from ipam import name_index, usage
from ipam.addresses import IPAddress, address_key, parse_address, parse_network, to_key
from ipam.models import VLAN, VRF, Host, Subnet, Tag, normalise_mac
from netkeep import bulk, importing
from netkeep.importing import (
    MODES,
    Importer,
    ImportFileError,
    ImportResult,
    Progress,
    RowError,
    RowOutcome,
    Rows,
    decode,
    messages_of,
)

KINDS = ("vlans", "subnets", "hosts")
__all__ = ["KINDS", "MODES", "ImportFileError", "ImportResult", "decode", "run_import"]

# Normalised header (lower case, spaces and dashes as "_") → our column.
ALIASES: dict[str, dict[str, str]] = {
    "hosts": {
        "address": "address",
        "ip": "address",
        "ip_addr": "address",
        "ip_address": "address",
        "ipaddress": "address",
        "hostname": "hostname",
        "dns_name": "hostname",
        "name": "hostname",
        "description": "description",
        "mac": "mac",
        "mac_address": "mac",
        "notes": "notes",
        "note": "notes",
        "tags": "tags",
        "tag": "tags",
        "state": "state",
        "ip_state": "state",
        "owner": "owner",
        "device": "device",
        "switch": "device",
        "port": "port",
        "subnet": "subnet",
        "mask": "mask",
        "vrf": "vrf",
    },
    "subnets": {
        "network": "network",
        "cidr": "network",
        "prefix": "network",
        "subnet": "network",
        "mask": "mask",
        "name": "name",
        "description": "description",
        "vrf": "vrf",
        "vlan": "vlan",
        "vlan_id": "vlan",
        "vid": "vlan",
        "tags": "tags",
        "scan_enabled": "scan_enabled",
        "pingsubnet": "scan_enabled",
        "scan_interval": "scan_interval",
    },
    "vlans": {
        "vid": "vid",
        "number": "vid",
        "vlan": "vid",
        "vlan_id": "vid",
        "name": "name",
        "description": "description",
        "colour": "colour",
        "color": "colour",
        "tags": "tags",
    },
}
# phpIPAM's numeric address states (older exports).
PHPIPAM_STATES = {"0": "offline", "1": "used", "2": "reserved", "3": "dhcp"}
TRUE = {"1", "true", "yes", "y", "on"}
FALSE = {"0", "false", "no", "n", "off"}


# --- values shared by the importers -------------------------------------------------
def _vrf_name(row: dict[str, str]) -> str:
    name = row.get("vrf", "")
    return "" if name.lower() in ("global", "none", "default") else name


def _vrf(row: dict[str, str]) -> VRF | None:
    name = _vrf_name(row)
    if not name:
        return None
    vrf = VRF.objects.filter(models.Q(name=name) | models.Q(rd=name)).first()
    if vrf is None:
        raise RowError(_no_vrf(name))
    return vrf


def _no_vrf(name: str) -> str:
    return f"VRF “{name}” does not exist: create it first or leave the column empty."


def _vlan(value: str) -> VLAN:
    qs = VLAN.objects.filter(vid=int(value)) if value.isdigit() else VLAN.objects.filter(name=value)
    found = list(qs[:2])
    if not found:
        raise RowError(f"VLAN “{value}” does not exist: import VLANs first.")
    if len(found) > 1:
        raise RowError(f"VLAN “{value}” is ambiguous: several VLANs match; use its name.")
    return found[0]


_TAG_NAME = Tag._meta.get_field("name")


def tag_names(value: str) -> list[str]:
    """Tag names in a cell ("web; prod|x"), as slugs, checked like the Tag form checks them."""
    names: list[str] = []
    for part in value.replace(";", ",").replace("|", ",").split(","):
        name = slugify(part.strip(), allow_unicode=True)
        if not name or name in names:
            continue
        try:
            _TAG_NAME.run_validators(name)
        except ValidationError as error:
            raise RowError(f"tags: “{name[:20]}…”: {' '.join(error.messages)}") from None
        names.append(name)
    return names


def _bool(value: str, column: str) -> bool:
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise RowError(f"{column} “{value}” is not yes or no: write yes, no, true, false, 1 or 0.")


def _network_text(row: dict[str, str], column: str) -> str:
    """The network of a column, joined with a phpIPAM "mask" column (24 or 255.255.255.0)."""
    value = row[column]
    mask = row.get("mask", "")
    if "/" in value or not mask:
        return value
    if not mask.isdigit():
        try:
            mask = str(ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen)
        except ValueError:
            raise RowError(f"mask “{mask}” is not a prefix length or a netmask.") from None
    return f"{value}/{mask}"


# --- what the preview says about a row ------------------------------------------------
def _shown(value: Any) -> str:
    """A value as the preview shows it: “(empty)” for nothing, long text cut short."""
    if isinstance(value, (list, tuple, set)):
        value = ", ".join(sorted(str(v) for v in value))
    if value is None or value == "":
        return "(empty)"
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:59] + "…"


def new_values(values: dict[str, Any], tags: Any = None, where: str = "") -> str:
    """A created row's fields: “in 198.51.100.0/24: hostname web1; tags web.”"""
    parts = [
        f"{k.removesuffix('_id')} {_shown(v)}" for k, v in values.items() if v not in ("", None)
    ]
    if tags:
        parts.append(f"tags {_shown(tags)}")
    text = "; ".join(parts)
    if where:
        return f"In {where}: {text}." if text else f"In {where}."
    return f"{text[:1].upper()}{text[1:]}." if text else ""


def changes(old: dict[str, Any], new: dict[str, Any], where: str = "") -> str:
    """An updated row's changes, old → new: “hostname old → new; tags legacy → db, web.”"""
    text = "; ".join(
        f"{k.removesuffix('_id')} {_shown(old[k])} → {_shown(v)}" for k, v in new.items()
    )
    return f"In {where}: {text}." if where else f"{text[:1].upper()}{text[1:]}."


def _where(subnet: Subnet, vrf: VRF | None) -> str:
    """The target subnet as the preview names it (the row's VRF is loaded already)."""
    return f"{subnet.network} (VRF {vrf})" if vrf is not None else subnet.network


# --- VLANs and subnets: row by row ------------------------------------------------------
class _RowByRow(Importer):
    """Saves each row with full_clean() and save(); tags are created as rows need them."""

    batched = False

    def __init__(self) -> None:
        self.tags: dict[str, Tag] = {}
        self.tags_before: set[str] = set()

    def _tags(self, value: str) -> list[Tag]:
        found = []
        for name in tag_names(value):
            if name not in self.tags:
                self.tags[name] = Tag.objects.get_or_create(name=name)[0]
            found.append(self.tags[name])
        return found

    def save_row(self, line: int, row: dict[str, str], mode: str) -> RowOutcome:
        self.tags_before = set(self.tags)
        return self.import_row(line, row, mode)

    def row_failed(self) -> None:
        # Tags this row created were rolled back with it.
        for name in set(self.tags) - self.tags_before:
            del self.tags[name]

    def import_row(self, line: int, row: dict[str, str], mode: str) -> RowOutcome:
        raise NotImplementedError

    def _apply(
        self,
        obj: models.Model,
        line: int,
        label: str,
        values: dict[str, Any],
        tags: list[Tag] | None,
        mode: str,
        created: bool,
    ) -> RowOutcome:
        """Save a new object, or update/skip an existing one, after full_clean()."""
        old: dict[str, Any] = {}
        if not created:
            if mode == "skip":
                return RowOutcome(line, "skip", label, "Already exists; skipped.")
            changed = [k for k, v in values.items() if getattr(obj, k) != v]
            old = {k: getattr(obj, k) for k in changed}
            old_tags = set(obj.tags.values_list("name", flat=True))  # type: ignore[attr-defined]
            tag_change = tags is not None and {t.name for t in tags} != old_tags
            if tag_change:
                old["tags"] = old_tags
            if not changed and not tag_change:
                return RowOutcome(line, "skip", label, "Already exists with the same values.")
        else:
            changed = list(values)
            tag_change = bool(tags)
        for name, value in values.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save()
        if tags and created:
            obj.tags.add(*tags)  # type: ignore[attr-defined]
        elif tags is not None and tag_change:
            obj.tags.set(tags)  # type: ignore[attr-defined]
        if created:
            return RowOutcome(
                line, "create", label, new_values(values, [t.name for t in tags or []])
            )
        new = {k: values[k] for k in changed}
        if tag_change:
            new["tags"] = [t.name for t in tags or []]
        return RowOutcome(line, "update", label, changes(old, new))


@importing.register
class VLANImporter(_RowByRow):
    kind = "vlans"
    label = "VLANs"
    model = VLAN
    aliases = ALIASES["vlans"]
    required = "name"
    example_columns = ("vid", "name", "description", "colour", "tags")

    def row_label(self, row: dict[str, str]) -> str:
        return row.get("name", "") or row.get("vid", "") or "(empty)"

    def import_row(self, line: int, row: dict[str, str], mode: str) -> RowOutcome:
        name = row.get("name", "")
        vid_text = row.get("vid", "")
        if vid_text and not vid_text.isdigit():
            raise RowError(f"VLAN id “{vid_text}” is not a number: write 1–4094 or leave it empty.")
        vid = int(vid_text) if vid_text else None
        if not name:
            raise RowError("The name is empty: every VLAN needs a name.")
        existing = (
            VLAN.objects.filter(vid=vid).order_by("pk").first()
            if vid is not None
            else VLAN.objects.filter(vid__isnull=True, name=name).first()
        )
        values: dict[str, Any] = {"vid": vid, "name": name}
        for column in ("description", "colour"):
            if column in row:
                values[column] = row[column]
        tags = self._tags(row["tags"]) if "tags" in row else None
        label = f"{vid} {name}" if vid else name
        obj = existing or VLAN()
        return self._apply(obj, line, label, values, tags, mode, existing is None)


@importing.register
class SubnetImporter(_RowByRow):
    kind = "subnets"
    label = "Subnets"
    model = Subnet
    aliases = ALIASES["subnets"]
    required = "network"
    example_columns = ("network", "name", "description", "vrf", "vlan", "tags", "scan_enabled")

    def import_row(self, line: int, row: dict[str, str], mode: str) -> RowOutcome:
        try:
            network = str(parse_network(_network_text(row, "network")))
        except ValidationError as error:
            raise RowError(" ".join(error.messages)) from None
        vrf = _vrf(row)
        existing = Subnet.objects.filter(vrf_key=vrf.pk if vrf else 0, network=network).first()
        values: dict[str, Any] = {"network": network, "vrf": vrf}
        for column in ("name", "description"):
            if column in row:
                values[column] = row[column]
        if "vlan" in row:
            values["vlan"] = _vlan(row["vlan"])
        if "scan_enabled" in row:
            values["scan_enabled"] = _bool(row["scan_enabled"], "scan_enabled")
        if "scan_interval" in row:
            if not row["scan_interval"].isdigit():
                raise RowError(
                    f"scan_interval “{row['scan_interval']}” is not a number of minutes."
                )
            values["scan_interval"] = int(row["scan_interval"])
        tags = self._tags(row["tags"]) if "tags" in row else None
        obj = existing or Subnet()
        label = f"{network} ({vrf})" if vrf else network
        return self._apply(obj, line, label, values, tags, mode, existing is None)


# --- hosts: planned for the whole file, written in batches ------------------------------
class SubnetIndex:
    """Longest-prefix match against one VRF's subnets, loaded once (no query per address)."""

    def __init__(self, vrf_key: int, family: int) -> None:
        self.by_start: dict[tuple[int, int], Subnet] = {}
        self.by_network: dict[str, Subnet] = {}
        # IPv4 networks up to /30 keep their network and broadcast addresses back.
        self.edges: dict[int, tuple[int, int]] = {}
        for subnet in Subnet.objects.filter(vrf_key=vrf_key, family=family):
            first = int(subnet.start_key, 16)
            self.by_start[(subnet.prefix_length, first)] = subnet
            self.by_network[subnet.network] = subnet
            if family == 4 and subnet.prefix_length <= 30:
                self.edges[subnet.pk] = (first, int(subnet.end_key, 16))
        self.max_bits = 32 if family == 4 else 128
        # Only the prefix lengths that exist, longest first: a handful of dict probes.
        self.lengths = sorted({length for length, _ in self.by_start}, reverse=True)

    def best_match(self, address: IPAddress) -> Subnet | None:
        value = int(address)
        for length in self.lengths:
            start = value & ~((1 << (self.max_bits - length)) - 1)
            found = self.by_start.get((length, start))
            if found is not None:
                return found
        return None

    def check_usable(self, address: IPAddress, subnet: Subnet) -> None:
        """RowError for the network or broadcast address of an IPv4 subnet up to /30."""
        edges = self.edges.get(subnet.pk)
        if edges is None or int(address) not in edges:
            return
        net = subnet.ip_network
        which = "network" if address == net.network_address else "broadcast"
        raise RowError(
            f"address: {address} is the {which} address of {net}: hosts use "
            f"{net.network_address + 1}–{net.broadcast_address - 1}."
        )


# Columns copied from a row onto the host as they are (checked by the model's fields).
HOST_TEXT = ("hostname", "description", "mac", "notes")
HOST_FIELDS: dict[str, Any] = {name: Host._meta.get_field(name) for name in HOST_TEXT}
# Per column: the longest value and the checks beyond length (NUL characters are refused
# before, for every column). A value that fails one goes through the field's own
# clean() for its messages; running clean() for every value was a sixth of the preview.
HOST_CHECKS: dict[str, tuple[int | None, list[Any]]] = {
    name: (
        field.max_length,
        [
            v
            for v in field.validators
            if not isinstance(v, (MaxLengthValidator, ProhibitNullCharactersValidator))
        ],
    )
    for name, field in HOST_FIELDS.items()
}
# Values these match are valid without running the column's checks (a fast path for
# the common case: what they accept, the checks accept; anything else goes through them).
FAST_VALID: dict[str, re.Pattern[str]] = {
    # RFC 1123 labels, as ipam.hostnames.check_hostname accepts them (length checked apart).
    "hostname": re.compile(
        r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    ),
    # The MAC validator's own pattern.
    "mac": re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}"),
}
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# A plain dotted-quad IPv4 address without leading zeros: built from its octets, the
# same address parse_address() returns (which every other form of address goes through).
PLAIN_IPV4 = re.compile(r"\.".join([_OCTET] * 4))
# Existing hosts are looked up this many keys per query (SQLite allows 999 parameters).
LOOKUP_CHUNK = 900
WRITE_BATCH = 2000
NEW_STATUS = Host._meta.get_field("status").get_default()
PROGRESS_EVERY = 5000


@importing.register
class HostImporter(Importer):
    kind = "hosts"
    label = "Hosts (IP addresses)"
    model = Host
    aliases = ALIASES["hosts"]
    required = "address"
    example_columns = (
        "address",
        "hostname",
        "description",
        "mac",
        "tags",
        "notes",
        "subnet",
        "vrf",
    )

    def __init__(self) -> None:
        self.tag_cells: dict[str, list[str]] = {}
        self.vrfs: dict[str, VRF] = {}
        self.indexes: dict[tuple[int, int], SubnetIndex] = {}
        self.subnets_by_pk: dict[int, Subnet] = {}

    # --- planning ---------------------------------------------------------
    def plan_rows(self, rows: Rows, mode: str, progress: Progress) -> list[RowOutcome]:
        for vrf in VRF.objects.all():
            self.vrfs.setdefault(vrf.rd, vrf)
        for vrf in VRF.objects.all():
            self.vrfs[vrf.name] = vrf  # a name wins over another VRF's RD
        total = len(rows)
        parsed: list[tuple[int, dict[str, str], Any]] = []
        for done, (line, row) in enumerate(rows):
            if done % PROGRESS_EVERY == 0:
                progress(done // 2, total)
            try:
                parsed.append((line, row, self._parse(row)))
            except RowError as error:
                parsed.append((line, row, error))
        existing = self._existing([p for _, _, p in parsed if not isinstance(p, RowError)], mode)
        planned: dict[tuple[int, int, str], dict[str, Any]] = {}
        outcomes = []
        for done, (line, row, item) in enumerate(parsed):
            if done % PROGRESS_EVERY == 0:
                progress((total + done) // 2, total)
            if isinstance(item, RowError):
                outcomes.append(RowOutcome(line, "error", self.row_label(row), str(item)))
                continue
            try:
                outcomes.append(self._decide(line, row, item, mode, existing, planned))
            except RowError as error:
                outcomes.append(RowOutcome(line, "error", str(item["address"]), str(error)))
        progress(len(rows), len(rows))
        return outcomes

    def _parse(self, row: dict[str, str]) -> dict[str, Any]:
        """One row's values, checked on their own (no database)."""
        plain = PLAIN_IPV4.fullmatch(row["address"])
        if plain is not None:
            a, b, c, d = plain.groups()
            address: IPAddress = IPv4Address(int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d))
        else:
            try:
                address = parse_address(row["address"])
            except ValidationError as error:
                raise RowError(" ".join(error.messages)) from None
        vrf_name = _vrf_name(row)
        vrf = self.vrfs.get(vrf_name) if vrf_name else None
        if vrf_name and vrf is None:
            raise RowError(_no_vrf(vrf_name))
        values: dict[str, Any] = {c: row[c] for c in HOST_TEXT if c in row}
        if "mac" in values:
            mac = values["mac"].lower()
            values["mac"] = mac if FAST_VALID["mac"].fullmatch(mac) else normalise_mac(mac)
        notes = [row["notes"]] if "notes" in row else []
        notes += [f"{c.title()}: {row[c]}" for c in ("owner", "device", "port") if c in row]
        if notes:
            values["notes"] = "\n".join(notes)
        errors = {}
        for name, value in values.items():
            if _looks_valid(name, value):
                continue
            try:
                HOST_FIELDS[name].clean(value, None)
            except ValidationError as error:
                errors[name] = error.messages
        if errors:
            raise RowError(messages_of(ValidationError(errors)))
        names = [row["tags"]] if "tags" in row else []
        if "state" in row:
            names.append(PHPIPAM_STATES.get(row["state"], row["state"]))
        network = None
        if "subnet" in row:
            try:
                network = str(parse_network(_network_text(row, "subnet")))
            except ValidationError as error:
                raise RowError("subnet: " + " ".join(error.messages)) from None
        return {
            "address": address,
            "vrf": vrf,
            "values": values,
            "tags": self._tag_names(",".join(names)) if names else None,
            "network": network,
        }

    def _tag_names(self, cell: str) -> list[str]:
        # Files repeat a few tag cells many times: parse each distinct cell once.
        names = self.tag_cells.get(cell)
        if names is None:
            names = self.tag_cells[cell] = tag_names(cell)
        return names

    def _index(self, vrf_key: int, family: int) -> SubnetIndex:
        index = self.indexes.get((vrf_key, family))
        if index is None:
            index = self.indexes[(vrf_key, family)] = SubnetIndex(vrf_key, family)
            for subnet in index.by_network.values():
                self.subnets_by_pk[subnet.pk] = subnet
        return index

    def _existing(self, items: list[dict[str, Any]], mode: str) -> dict[tuple[int, int, str], Any]:
        """Every host the file names that exists already: one query per chunk of keys."""
        wanted: dict[tuple[int, int], list[str]] = {}
        for item in items:
            vrf_key = item["vrf"].pk if item["vrf"] else 0
            key = address_key(item["address"])
            item["key"], item["vrf_key"] = key, vrf_key
            wanted.setdefault((vrf_key, item["address"].version), []).append(key)
        found: dict[tuple[int, int, str], Any] = {}
        columns = ("pk", "vrf_key", "family", "key", "subnet_id", "subnet__network", *HOST_TEXT)
        for (vrf_key, family), keys in wanted.items():
            for i in range(0, len(keys), LOOKUP_CHUNK):
                chunk = keys[i : i + LOOKUP_CHUNK]
                hosts = Host.objects.filter(vrf_key=vrf_key, family=family, key__in=chunk)
                for values in hosts.values(*columns):
                    found[(vrf_key, family, values["key"])] = values
        if mode == "update" and found:
            tags: dict[int, set[str]] = {}
            pks = [h["pk"] for h in found.values()]
            through = Host.tags.through
            for i in range(0, len(pks), LOOKUP_CHUNK):
                rows = through.objects.filter(host_id__in=pks[i : i + LOOKUP_CHUNK])
                for host_id, name in rows.values_list("host_id", "tag__name"):
                    tags.setdefault(host_id, set()).add(name)
            for host in found.values():
                host["tags"] = tags.get(host["pk"], set())
        return found

    def _decide(
        self,
        line: int,
        row: dict[str, str],
        item: dict[str, Any],
        mode: str,
        existing: dict[tuple[int, int, str], Any],
        planned: dict[tuple[int, int, str], dict[str, Any]],
    ) -> RowOutcome:
        address: IPAddress = item["address"]
        vrf_key, key, label = item["vrf_key"], item["key"], str(address)
        ident = (vrf_key, address.version, key)
        index = self._index(vrf_key, address.version)
        where = f"VRF {item['vrf']}" if item["vrf"] else "the global table"
        home = index.best_match(address)
        if item["network"] is not None:
            subnet = index.by_network.get(item["network"])
            if subnet is None:
                raise RowError(
                    f"Subnet {item['network']} does not exist in {where}: import subnets first."
                )
            if not subnet.contains(address):
                raise RowError(
                    f"address: {address} is not inside {subnet.network}: pick an address in it "
                    "or another subnet."
                )
        elif home is None:
            raise RowError(
                f"No subnet in {where} contains {address}: create or import its subnet first."
            )
        else:
            subnet = home
        # A host belongs to the most specific subnet that contains it (as Host.save() does).
        if home is not None and home.prefix_length > subnet.prefix_length:
            subnet = home
        index.check_usable(address, subnet)
        values = dict(item["values"])
        tags = item["tags"]
        earlier = planned.get(ident)
        if earlier is not None:
            # A second row for an address earlier in the file: skip it or merge it in.
            if mode == "skip":
                return RowOutcome(
                    line, "skip", label, f"Same address as line {earlier['line']}; skipped."
                )
            earlier["values"].update(values)
            if tags is not None:
                earlier["tags"] = tags
            merged = new_values(values, tags)
            message = f"Merged into line {earlier['line']}"
            message += f": {merged[:1].lower()}{merged[1:]}" if merged else "."
            return RowOutcome(line, "skip", label, message)
        old = existing.get(ident)
        if old is None:
            values.update(
                address=label,
                family=address.version,
                key=key,
                next_key=to_key(int(address) + 1),
                vrf_key=vrf_key,
                subnet_id=subnet.pk,
            )
            data = {"line": line, "values": values, "tags": tags}
            planned[ident] = data
            where = _where(subnet, item["vrf"])
            return RowOutcome(line, "create", label, new_values(item["values"], tags, where), data)
        if mode == "skip":
            return RowOutcome(line, "skip", label, "Already exists; skipped.")
        # Updating never moves a host to a less specific subnet than where it lives.
        if item["network"] is not None:
            values["subnet_id"] = subnet.pk
        changed = {k: [old[k], v] for k, v in values.items() if old[k] != v}
        tags_changed = tags is not None and set(tags) != old["tags"]
        if not changed and not tags_changed:
            return RowOutcome(line, "skip", label, "Already exists with the same values.")
        shown_old = {k: o for k, (o, _) in changed.items()}
        shown_new = {k: v for k, (_, v) in changed.items()}
        if "subnet_id" in changed:
            shown_old["subnet_id"] = old["subnet__network"]
            shown_new["subnet_id"] = subnet.network
        if tags_changed:
            shown_old["tags"], shown_new["tags"] = sorted(old["tags"]), tags
        data = {
            "line": line,
            "pk": old["pk"],
            "repr": f"{label} {values.get('hostname', old['hostname'])}".strip(),
            "values": {k: v for k, (_, v) in changed.items()},
            "old": {k: o for k, (o, _) in changed.items()},
            "tags": tags if tags_changed else None,
            "old_tags": sorted(old["tags"]) if tags_changed else None,
        }
        planned[ident] = data
        message = changes(shown_old, shown_new, _where(subnet, item["vrf"]))
        return RowOutcome(line, "update", label, message, data)

    # --- writing ------------------------------------------------------------
    def write(self, outcomes: list[RowOutcome], progress: Progress) -> None:
        total = len(outcomes)
        creates = [o.data for o in outcomes if o.action == "create" and o.data]
        updates = [o.data for o in outcomes if o.action == "update" and o.data]
        tags = _ensure_tags({n for d in creates + updates for n in d["tags"] or ()})
        entries: list[audit.Entry] = []
        through = Host.tags.through
        done = 0
        newest = Host.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        # Counters and SQLite's name index take the new hosts in one pass each, not row by row.
        with usage.inserts_paused(), name_index.inserts_paused():
            for i in range(0, len(creates), WRITE_BATCH):
                batch = creates[i : i + WRITE_BATCH]
                bulk.insert(Host, (d["values"] for d in batch))
                ids = _ids_after(newest)
                newest = max(ids.values(), default=newest)
                links = []
                for data in batch:
                    values = data["values"]
                    pk = ids[(values["vrf_key"], values["family"], values["key"])]
                    changes = {k: [None, v] for k, v in _audited(values).items() if v}
                    if data["tags"]:
                        changes["tags"] = [None, data["tags"]]
                        links += [{"host_id": pk, "tag_id": tags[n]} for n in data["tags"]]
                    text = f"{values['address']} {values.get('hostname', '')}".strip()
                    entries.append((pk, text, "create", changes))
                bulk.insert(through, links)
                done += len(batch)
                progress(done, total)
        usage.add_hosts(
            (v["vrf_key"], v["family"], v["key"], v.get("status", NEW_STATUS))
            for v in (d["values"] for d in creates)
        )
        now = timezone.now()
        for i in range(0, len(updates), WRITE_BATCH):
            batch = updates[i : i + WRITE_BATCH]
            by_fields: dict[tuple[str, ...], list[Host]] = {}
            for data in batch:
                host = Host(pk=data["pk"], updated=now, **data["values"])
                by_fields.setdefault(tuple(sorted(data["values"])), []).append(host)
                changes = {k: [data["old"][k], v] for k, v in _audited(data["values"]).items()}
                if data["tags"] is not None:
                    changes["tags"] = [data["old_tags"], data["tags"]]
                entries.append((data["pk"], data["repr"], "update", changes))
            for fields, hosts in by_fields.items():
                if fields:
                    Host.objects.bulk_update(hosts, [*fields, "updated"])
            retag = [d for d in batch if d["tags"] is not None]
            through.objects.filter(host_id__in=[d["pk"] for d in retag]).delete()
            through.objects.bulk_create(
                [through(host_id=d["pk"], tag_id=tags[n]) for d in retag for n in d["tags"]]
            )
            done += len(batch)
            progress(done, total)
        audit.record_many(Host, entries)


def _looks_valid(name: str, value: str) -> bool:
    longest, checks = HOST_CHECKS[name]
    if longest is not None and len(value) > longest:
        return False
    fast = FAST_VALID.get(name)
    if fast is not None and fast.fullmatch(value):
        return True
    try:
        for check in checks:
            check(value)
    except ValidationError:
        return False
    return True


def _ids_after(newest: int) -> dict[tuple[int, int, str], int]:
    """Ids of the hosts inserted after `newest`, by (VRF, family, key): one range query.

    Ids only grow (SQLite's AUTOINCREMENT, PostgreSQL's sequence), so the rows
    just inserted are the ones past the newest id before them (with any other
    writer's, which no planned key can match: the unique key would have failed).
    """
    rows = Host.objects.filter(pk__gt=newest).values_list("vrf_key", "family", "key", "pk")
    return {(vrf_key, family, key): pk for vrf_key, family, key, pk in rows}


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    """The values the audit trail records for a host (as its registration says)."""
    names = _AUDITED_NAMES
    return {n: v for k, v in values.items() if (n := names.get(k, k)) is not None}


def _audited_names() -> dict[str, str | None]:
    """Host value name → its name in the audit trail; None: not recorded (derived)."""
    from ipam.apps import DERIVED_FIELDS

    names: dict[str, str | None] = {}
    for f in Host._meta.concrete_fields:
        name = "subnet" if f.attname == "subnet_id" else f.attname
        names[f.attname] = None if name in DERIVED_FIELDS else name
    return names


_AUDITED_NAMES = _audited_names()


def _ensure_tags(names: Iterable[str]) -> dict[str, int]:
    """Tag ids by name, creating the missing tags in one insert."""
    names = set(names)
    if not names:
        return {}
    ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    missing = names - set(ids)
    if missing:
        Tag.objects.bulk_create([Tag(name=n) for n in sorted(missing)], ignore_conflicts=True)
        ids.update(Tag.objects.filter(name__in=missing).values_list("name", "pk"))
    return ids


# Every door (page, API, command, job) imports through netkeep.importing.
run_import = importing.run_import
