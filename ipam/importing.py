"""CSV import of VLANs, subnets and hosts: one function behind the page, the command and the API.

An import runs every row inside one transaction, each row in its own savepoint,
and then either keeps the transaction (apply) or rolls it back (preview, or any
error). The preview is therefore exactly what applying would do, later rows
seeing earlier ones (a subnet created on line 3 receives the host on line 9).
Headers of phpIPAM's address, subnet and VLAN exports are accepted too.
"""

from __future__ import annotations

import contextvars
import csv
import io
import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

from accounts import audit
from ipam.addresses import parse_address, parse_network
from ipam.models import VLAN, VRF, Host, Subnet, Tag

KINDS = ("vlans", "subnets", "hosts")
MODES = ("update", "skip")
MAX_ROWS = 200_000

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
REQUIRED = {"hosts": "address", "subnets": "network", "vlans": "name"}
# phpIPAM's numeric address states (older exports).
PHPIPAM_STATES = {"0": "offline", "1": "used", "2": "reserved", "3": "dhcp"}
TRUE = {"1", "true", "yes", "y", "on"}
FALSE = {"0", "false", "no", "n", "off"}


class ImportFileError(Exception):
    """The file as a whole cannot be imported (no header, unknown kind, required column missing)."""


@dataclass
class RowOutcome:
    """What happens (or happened) to one data row."""

    line: int
    action: str  # create, update, skip or error
    label: str
    message: str = ""


@dataclass
class ImportResult:
    """Outcome of every row, and whether anything was written."""

    kind: str
    mode: str
    rows: list[RowOutcome] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = True
    valid_only: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(r.action for r in self.rows)
        return {a: counted.get(a, 0) for a in ("create", "update", "skip", "error")}

    @property
    def errors(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.action == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    PREVIEW_LIMIT = 500

    @property
    def shown_rows(self) -> list[RowOutcome]:
        """Every error, then the other rows up to PREVIEW_LIMIT, in file order."""
        budget = self.PREVIEW_LIMIT
        shown = []
        for row in self.rows:
            if row.action == "error":
                shown.append(row)
            elif budget > 0:
                shown.append(row)
                budget -= 1
        return shown

    @property
    def hidden_count(self) -> int:
        return len(self.rows) - len(self.shown_rows)

    def summary(self) -> str:
        c = self.counts
        text = (
            f"{c['create']} to create, {c['update']} to update, {c['skip']} to skip, "
            f"{c['error']} with errors"
        )
        if self.applied:
            text = text.replace(" to ", " ")
            text = f"Applied: {text}."
            if self.errors:
                text += " Rows with errors were left out."
        elif self.dry_run:
            text = f"Preview, nothing written: {text}."
        else:
            text = f"Nothing written: {text}. Fix the rows with errors and import again."
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "mode": self.mode,
            "dry_run": self.dry_run,
            "valid_only": self.valid_only,
            "applied": self.applied,
            "counts": self.counts,
            "summary": self.summary(),
            "rows": [r.__dict__ for r in self.rows],
        }


class RowError(Exception):
    """A row that cannot be imported, with the reason to show the user."""


def read_rows(text: str, kind: str) -> list[tuple[int, dict[str, str]]]:
    """Rows as (line number, {our column: value}), with headers mapped through ALIASES."""
    if kind not in KINDS:
        raise ImportFileError(f"Unknown kind “{kind}”: choose one of {', '.join(KINDS)}.")
    text = text.lstrip("\ufeff")
    # The separator is the one the header line uses most (spreadsheets in many
    # locales write ";"); guessing from the data would trip over descriptions.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if any(c in first_line for c in ",;\t") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return _read(reader, kind)
    except csv.Error as error:
        raise ImportFileError(
            f"Line {reader.line_num} is not valid CSV ({error}): check its quotes."
        ) from None


def _read(reader: Any, kind: str) -> list[tuple[int, dict[str, str]]]:
    header = next(reader, None)
    if not header:
        raise ImportFileError("The file is empty: the first line must name the columns.")
    aliases = ALIASES[kind]
    columns = [aliases.get(_norm(h)) for h in header]
    if REQUIRED[kind] not in columns:
        raise ImportFileError(
            f"No “{REQUIRED[kind]}” column: the first line must name the columns, for "
            f"example {', '.join(_example_columns(kind))}."
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(f"More than {MAX_ROWS} rows: split the file.")
        row: dict[str, str] = {}
        for column, value in zip(columns, values, strict=False):
            value = value.strip()
            # Undo the formula guard of our own export ("'=x" was written for "=x").
            if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
                value = value[1:]
            if column and value and column not in row:
                row[column] = value
        rows.append((reader.line_num, row))
    return rows


def _norm(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


def _example_columns(kind: str) -> list[str]:
    return {
        "hosts": ["address", "hostname", "description", "mac", "tags", "notes", "subnet", "vrf"],
        "subnets": ["network", "name", "description", "vrf", "vlan", "tags", "scan_enabled"],
        "vlans": ["vid", "name", "description", "colour", "tags"],
    }[kind]


def run_import(
    text: str,
    kind: str,
    mode: str = "skip",
    dry_run: bool = True,
    valid_only: bool = False,
    user: Any = None,
    door: str = "import",
) -> ImportResult:
    """Import CSV text; write only when not a dry run and every row is valid (or `valid_only`)."""
    if mode not in MODES:
        raise ImportFileError(f"Unknown mode “{mode}”: choose update or skip.")
    rows = read_rows(text, kind)
    result = ImportResult(kind=kind, mode=mode, dry_run=dry_run, valid_only=valid_only)
    handler = HANDLERS[kind]
    # Tags created in a savepoint that is rolled back must not stay cached: the cache
    # lives for one run, and a row's error discards only what that row created.
    token = _tag_cache.set({})
    # Only host imports may use a snapshot of the subnets: they do not change them.
    index_token = _subnet_index.set({} if kind == "hosts" else None)
    try:
        with audit.context(door=door, user=user), transaction.atomic():
            _run_rows(result, rows, kind, handler, mode)
            keep = not dry_run and (result.ok or valid_only)
            if not keep:
                transaction.set_rollback(True)
            result.applied = keep
    finally:
        _tag_cache.reset(token)
        _subnet_index.reset(index_token)
    return result


def _run_rows(
    result: ImportResult,
    rows: list[tuple[int, dict[str, str]]],
    kind: str,
    handler: Callable[[int, dict[str, str], str], RowOutcome],
    mode: str,
) -> None:
    """Each row in its own savepoint: a failing row leaves no trace, the others stay."""
    cache = _tag_cache.get()
    if cache is None:
        cache = {}
    for line, row in rows:
        known = set(cache)
        try:
            with transaction.atomic():
                result.rows.append(handler(line, row, mode))
            continue
        except RowError as error:
            message = str(error)
        except ValidationError as error:
            message = _messages(error)
        except IntegrityError as error:
            message = f"Conflicts with data: {error}"
        result.rows.append(RowOutcome(line, "error", _label(kind, row), message))
        # Tags this row created were rolled back with it.
        for name in set(cache) - known:
            del cache[name]


def _label(kind: str, row: dict[str, str]) -> str:
    return row.get(REQUIRED[kind], "") or row.get("vid", "") or "(empty)"


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(msgs)}" if name != "__all__" else " ".join(msgs)
            for name, msgs in error.message_dict.items()
        )
    return " ".join(error.messages)


# --- values ------------------------------------------------------------------
def _vrf(row: dict[str, str]) -> VRF | None:
    name = row.get("vrf", "")
    if not name or name.lower() in ("global", "none", "default"):
        return None
    vrf = VRF.objects.filter(models.Q(name=name) | models.Q(rd=name)).first()
    if vrf is None:
        raise RowError(f"VRF “{name}” does not exist: create it first or leave the column empty.")
    return vrf


def _vlan(value: str) -> VLAN:
    qs = VLAN.objects.filter(vid=int(value)) if value.isdigit() else VLAN.objects.filter(name=value)
    found = list(qs[:2])
    if not found:
        raise RowError(f"VLAN “{value}” does not exist: import VLANs first.")
    if len(found) > 1:
        raise RowError(f"VLAN “{value}” is ambiguous: several VLANs match; use its name.")
    return found[0]


_tag_cache: contextvars.ContextVar[dict[str, Tag] | None] = contextvars.ContextVar(
    "import_tags", default=None
)


_subnet_index: contextvars.ContextVar[
    dict[tuple[int, int], dict[tuple[int, int], Subnet]] | None
] = contextvars.ContextVar("import_subnets", default=None)


def _best_match(vrf_key: int, address: Any) -> Subnet | None:
    """Longest matching prefix, from the VRF's subnets loaded once per import of hosts."""
    index = _subnet_index.get()
    if index is None:
        return Subnet.objects.best_match(vrf_key, address)
    table = index.get((vrf_key, address.version))
    if table is None:
        table = {
            (s.prefix_length, int(s.start_key, 16)): s
            for s in Subnet.objects.filter(vrf_key=vrf_key, family=address.version)
        }
        index[(vrf_key, address.version)] = table
    value = int(address)
    for length in range(address.max_prefixlen, -1, -1):
        start = value & ~((1 << (address.max_prefixlen - length)) - 1)
        found = table.get((length, start))
        if found is not None:
            return found
    return None


def _tags(value: str) -> list[Tag]:
    cache = _tag_cache.get()
    if cache is None:
        cache = {}
    tags = []
    for part in value.replace(";", ",").replace("|", ",").split(","):
        name = slugify(part.strip(), allow_unicode=True)
        if not name:
            continue
        if name not in cache:
            cache[name] = Tag.objects.get_or_create(name=name)[0]
        if cache[name] not in tags:
            tags.append(cache[name])
    return tags


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


def _apply(
    obj: models.Model,
    line: int,
    label: str,
    values: dict[str, Any],
    tags: list[Tag] | None,
    mode: str,
    created: bool,
    extra: Callable[[], None] | None = None,
) -> RowOutcome:
    """Save a new object, or update/skip an existing one, after full_clean()."""
    if not created:
        if mode == "skip":
            return RowOutcome(line, "skip", label, "Already exists; skipped.")
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        tag_change = tags is not None and {t.pk for t in tags} != set(
            obj.tags.values_list("pk", flat=True)  # type: ignore[attr-defined]
        )
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
    if extra is not None:
        extra()
    fields = changed + (["tags"] if tag_change else [])
    if created:
        return RowOutcome(line, "create", label, "")
    return RowOutcome(line, "update", label, "Changes " + ", ".join(fields) + ".")


# --- one row of each kind --------------------------------------------------------
def import_vlan(line: int, row: dict[str, str], mode: str) -> RowOutcome:
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
    tags = _tags(row["tags"]) if "tags" in row else None
    label = f"{vid} {name}" if vid else name
    obj = existing or VLAN()
    return _apply(obj, line, label, values, tags, mode, existing is None)


def import_subnet(line: int, row: dict[str, str], mode: str) -> RowOutcome:
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
            raise RowError(f"scan_interval “{row['scan_interval']}” is not a number of minutes.")
        values["scan_interval"] = int(row["scan_interval"])
    tags = _tags(row["tags"]) if "tags" in row else None
    obj = existing or Subnet()
    label = f"{network} ({vrf})" if vrf else network
    return _apply(obj, line, label, values, tags, mode, existing is None)


def import_host(line: int, row: dict[str, str], mode: str) -> RowOutcome:
    try:
        address = parse_address(row["address"])
    except ValidationError as error:
        raise RowError(" ".join(error.messages)) from None
    vrf = _vrf(row)
    vrf_key = vrf.pk if vrf else 0
    where = f"VRF {vrf}" if vrf else "the global table"
    if "subnet" in row:
        try:
            network = str(parse_network(_network_text(row, "subnet")))
        except ValidationError as error:
            raise RowError("subnet: " + " ".join(error.messages)) from None
        subnet = Subnet.objects.filter(vrf_key=vrf_key, network=network).first()
        if subnet is None:
            raise RowError(f"Subnet {network} does not exist in {where}: import subnets first.")
    else:
        subnet = _best_match(vrf_key, address)
        if subnet is None:
            raise RowError(
                f"No subnet in {where} contains {address}: create or import its subnet first."
            )
    existing = Host.objects.at(address, vrf_key).first()
    values: dict[str, Any] = {"address": str(address), "subnet": subnet}
    for column in ("hostname", "description", "mac"):
        if column in row:
            values[column] = row[column]
    if "mac" in values:
        from ipam.models import normalise_mac

        values["mac"] = normalise_mac(values["mac"])
    notes = [row["notes"]] if "notes" in row else []
    notes += [f"{c.title()}: {row[c]}" for c in ("owner", "device", "port") if c in row]
    if notes:
        values["notes"] = "\n".join(notes)
    tag_names = [row["tags"]] if "tags" in row else []
    if "state" in row:
        tag_names.append(PHPIPAM_STATES.get(row["state"], row["state"]))
    tags = _tags(",".join(tag_names)) if tag_names else None
    if existing is not None:
        # Updating never moves a host to a less specific subnet than where it lives.
        values["subnet"] = existing.subnet if "subnet" not in row else subnet
    obj = existing or Host()
    return _apply(obj, line, str(address), values, tags, mode, existing is None)


HANDLERS: dict[str, Callable[[int, dict[str, str], str], RowOutcome]] = {
    "vlans": import_vlan,
    "subnets": import_subnet,
    "hosts": import_host,
}


def decode(data: bytes) -> str:
    """Text of an uploaded file: UTF-8 (with or without BOM), else Latin-1 as spreadsheets write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def label_rows(result: ImportResult) -> Iterable[str]:
    """One line per row that is not applied cleanly, for the command line."""
    for row in result.rows:
        if row.action == "error":
            yield f"line {row.line}: {row.label}: {row.message}"
