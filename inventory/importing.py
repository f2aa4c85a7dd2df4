"""CSV import of devices and interfaces, declared for the one framework in netkeep/importing.py.

Rows go through the same forms as the pages (DeviceForm, InterfaceForm), so a
CSV row, a form and the API refuse the same input with the same words. Both
importers work row by row: a device row may create IPAM hosts, and interface
rows need the devices of earlier rows.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from inventory.devices import InterfaceRow, replace_interfaces, save_device
from inventory.exporting import COLUMNS
from inventory.forms import DeviceForm, InterfaceForm
from inventory.models import Device, Interface, Platform
from ipam.models import VLAN, VRF, Site
from netkeep import importing
from netkeep.importing import Importer, RowError, RowOutcome

TRUE = {"1", "true", "yes", "y", "on"}
FALSE = {"0", "false", "no", "n", "off", ""}


def _errors(form: Any) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = "row" if name == "__all__" else name
        parts.append(f"{label}: {' '.join(str(e) for e in errors)}")
    return "; ".join(parts)


def _bool(value: str, column: str) -> bool:
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise RowError(f"{column}: “{value}” is not yes or no.")


def _lookup(model: Any, field: str, value: str, what: str, where: str) -> int | None:
    if not value:
        return None
    pk = model.objects.filter(**{field: value}).values_list("pk", flat=True).first()
    if pk is None:
        raise RowError(f"No {what} named “{value}”: add it under {where} first.")
    return int(pk)


@importing.register
class DeviceImporter(Importer):
    kind = "devices"
    label = "Devices"
    model = Device
    batched = False
    required = "name"
    example_columns = tuple(c for c in COLUMNS if c != "last_test")
    aliases = {c: c for c in example_columns} | {
        "hostname": "name",
        "device": "name",
        "ip": "management_address",
        "address": "management_address",
        "management_ip": "management_address",
        "type": "role",
        "os": "platform",
        "device_type": "platform",
        "credentials": "credential_sets",
        "gateway": "is_gateway",
    }

    def __init__(self) -> None:
        self.lines: dict[str, int] = {}

    def save_row(self, line: int, row: dict[str, str], mode: str) -> RowOutcome:
        name = row.get("name", "")
        if name in self.lines:
            raise RowError(f"{name} is already on line {self.lines[name]} of this file: keep one.")
        self.lines[name] = line
        existing = Device.objects.filter(name=name).first()
        if existing is not None and mode == "skip":
            return RowOutcome(line, "skip", name, "Already exists; skipped.")
        platform = row.get("platform", "")
        if platform and platform not in Platform.values:
            raise RowError(
                f"platform: “{platform}” is not a platform Netkeep knows: use one of "
                f"{', '.join(Platform.values)}."
            )
        data = {
            "name": name,
            "role": row.get("role", "other"),
            "platform": platform,
            "site": _lookup(Site, "name", row.get("site", ""), "site", "Inventory › Sites"),
            "vrf": _lookup(VRF, "name", row.get("vrf", ""), "VRF", "IPAM › VRFs"),
            "management_address": row.get("management_address", ""),
            "is_gateway": "on" if _bool(row.get("is_gateway", ""), "is_gateway") else "",
            "virtualisation": row.get("virtualisation", "baremetal"),
            "description": row.get("description", ""),
            "url": row.get("url", ""),
            "tags": row.get("tags", ""),
            "credentials": row.get("credential_sets", ""),
            "serial": row.get("serial", ""),
            "model": row.get("model", ""),
            "os_version": row.get("os_version", ""),
            "notes": row.get("notes", ""),
        }
        form = DeviceForm(
            {k: v for k, v in data.items() if v not in (None, "")},
            instance=existing or Device(),
            can_add_tags=True,
        )
        if not form.is_valid():
            raise RowError(_errors(form))
        save_device(
            form.save(commit=False),
            management_host=form.cleaned_data["management_address"],
            credential_sets=form.cleaned_data["credentials"],
            save_m2m=form.save_m2m,
        )
        return RowOutcome(line, "update" if existing else "create", name)


@importing.register
class InterfaceImporter(Importer):
    kind = "interfaces"
    label = "Device interfaces"
    model = Interface
    batched = False
    required = "device"
    example_columns = ("device", "name", "address", "vlan", "mac", "is_upstream", "description")
    aliases = {c: c for c in example_columns} | {
        "interface": "name",
        "ip": "address",
        "upstream": "is_upstream",
        "vlan_id": "vlan",
        "vid": "vlan",
    }

    def row_label(self, row: dict[str, str]) -> str:
        return f"{row.get('device', '')} {row.get('name', '')}".strip() or "(empty)"

    def permissions(self, mode: str) -> list[str]:
        return ["inventory.change_device", "inventory.add_interface", "inventory.change_interface"]

    def save_row(self, line: int, row: dict[str, str], mode: str) -> RowOutcome:
        label = self.row_label(row)
        device = Device.objects.filter(name=row.get("device", "")).first()
        if device is None:
            raise RowError(f"No device named “{row.get('device', '')}”: import the devices first.")
        existing = device.interfaces.filter(name=row.get("name", "")).first()
        if existing is not None and mode == "skip":
            return RowOutcome(line, "skip", label, "Already exists; skipped.")
        vlan = row.get("vlan", "")
        vlan_pk = None
        if vlan:
            found = (
                VLAN.objects.filter(vid=int(vlan))
                if vlan.isdigit()
                else VLAN.objects.filter(name=vlan)
            )
            vlan_pk = found.values_list("pk", flat=True).first()
            if vlan_pk is None:
                raise RowError(f"No VLAN “{vlan}”: add it under IPAM › VLANs first.")
        vrf = device.management_host.subnet.vrf if device.management_host else None
        form = InterfaceForm(
            {
                "name": row.get("name", ""),
                "address": row.get("address", ""),
                "vlan": vlan_pk or "",
                "mac": row.get("mac", ""),
                "is_upstream": "on" if _bool(row.get("is_upstream", ""), "is_upstream") else "",
                "description": row.get("description", ""),
            },
            vrf=vrf,
            device_pk=device.pk,
        )
        if not form.is_valid():
            raise RowError(_errors(form))
        rows = [
            InterfaceRow(i.name, i.host, i.vlan, i.mac, i.is_upstream, i.description)
            for i in device.interfaces.select_related("host", "vlan")
            if i.name != form.cleaned_data["name"]
        ]
        rows.append(form.row())
        try:
            replace_interfaces(device, rows)
        except ValidationError as error:
            raise RowError(importing.messages_of(error)) from None
        return RowOutcome(line, "update" if existing else "create", label)
