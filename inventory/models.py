"""Inventory models: devices, their interfaces, platforms and the credential vault.

Sites live in ipam (subnets belong to them too, and ipam imports no other app);
devices and interfaces point at IPAM hosts for every address they have.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from ipam.models import MAC, VLAN, Host, Site, Tag, normalise_mac
from netkeep.crypto import EncryptedTextField


class Platform(models.TextChoices):
    """A device's operating system; the value is Netmiko's `device_type` for it."""

    CISCO_IOS = "cisco_ios", "Cisco IOS"
    CISCO_XE = "cisco_xe", "Cisco IOS XE"
    CISCO_NXOS = "cisco_nxos", "Cisco NX-OS"
    CISCO_XR = "cisco_xr", "Cisco IOS XR"
    CISCO_ASA = "cisco_asa", "Cisco ASA"
    ARISTA_EOS = "arista_eos", "Arista EOS"
    JUNIPER_JUNOS = "juniper_junos", "Juniper Junos"
    FORTINET = "fortinet", "Fortinet FortiOS"
    ARUBA_AOSCX = "aruba_aoscx", "Aruba AOS-CX"
    HP_PROCURVE = "hp_procurve", "HP ProCurve"
    HP_COMWARE = "hp_comware", "HP Comware"
    MIKROTIK_ROUTEROS = "mikrotik_routeros", "MikroTik RouterOS"
    PALOALTO_PANOS = "paloalto_panos", "Palo Alto PAN-OS"
    HUAWEI_VRP = "huawei_vrp", "Huawei VRP"
    VYOS = "vyos", "VyOS"
    UBIQUITI_EDGEROUTER = "ubiquiti_edgerouter", "Ubiquiti EdgeRouter"
    LINUX = "linux", "Linux"


def netmiko_device_type(platform: str) -> str:
    """The Netmiko `device_type` for a platform value (they are the same string, on purpose)."""
    if platform not in Platform.values:
        known = ", ".join(Platform.values)
        raise ValueError(f"Unknown platform {platform!r}: choose one of {known}.")
    return platform


class DeviceRole(models.TextChoices):
    ROUTER = "router", "Router"
    SWITCH = "switch", "Switch"
    FIREWALL = "firewall", "Firewall"
    SERVER = "server", "Server"
    ACCESS_POINT = "access_point", "Access point"
    HYPERVISOR = "hypervisor", "Hypervisor"
    VM = "vm", "Virtual machine"
    CONTAINER = "container", "Container"
    ISP_BOX = "isp_box", "ISP box"
    OTHER = "other", "Other"


class Virtualisation(models.TextChoices):
    BAREMETAL = "baremetal", "Bare metal"
    VM = "vm", "VM (e.g. qemu)"
    CONTAINER = "container", "Container (e.g. lxc)"


class CredentialSet(models.Model):
    """A username with its secrets, encrypted at rest; devices try sets in order."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=200, blank=True)
    username = models.CharField(max_length=100)
    password = EncryptedTextField(blank=True)
    enable_secret = EncryptedTextField(blank=True)
    ssh_private_key = EncryptedTextField("SSH private key", blank=True)
    ssh_key_passphrase = EncryptedTextField("SSH key passphrase", blank=True)
    default_for_sites = models.ManyToManyField(
        Site,
        blank=True,
        related_name="default_credential_sets",
        help_text="Devices at these sites try this set after their own list.",
    )
    default_for_tags = models.ManyToManyField(
        Tag,
        blank=True,
        related_name="default_credential_sets",
        help_text="Devices with these tags try this set after their own list and site defaults.",
    )
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="Among defaults, lower numbers are tried first."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    SECRET_FIELDS = ("password", "enable_secret", "ssh_private_key", "ssh_key_passphrase")

    class Meta:
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:credentialset_edit", args=[self.pk])

    def clean(self) -> None:
        if not (self.password or self.ssh_private_key):
            raise ValidationError(
                "A credential set needs a password or an SSH private key: enter at least one."
            )
        if self.ssh_private_key and "PRIVATE KEY" not in self.ssh_private_key:
            raise ValidationError(
                {
                    "ssh_private_key": "This is not a private key in OpenSSH or PEM format: paste "
                    "the whole file, from -----BEGIN to -----END."
                }
            )

    def secrets_set(self) -> dict[str, bool]:
        """Which secrets hold a value; the values themselves never leave the model."""
        return {name: bool(getattr(self, name)) for name in self.SECRET_FIELDS}


class DeviceQuerySet(models.QuerySet["Device"]):
    def with_related(self) -> DeviceQuerySet:
        return self.select_related(
            "site", "management_host", "management_host__subnet", "working_credential"
        ).prefetch_related("tags")


class Device(models.Model):
    """A router, switch, server or other thing on the network that Netkeep knows about."""

    name = models.CharField(max_length=100, unique=True)
    role = models.CharField(max_length=16, choices=DeviceRole.choices, default=DeviceRole.OTHER)
    description = models.CharField(max_length=200, blank=True)
    platform = models.CharField(
        max_length=24,
        choices=Platform.choices,
        blank=True,
        help_text="The operating system; it decides how Netkeep talks to the device over SSH.",
    )
    management_host = models.ForeignKey(
        Host,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_devices",
        verbose_name="management address",
    )
    ssh_host = models.CharField(
        "SSH host name",
        max_length=253,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$",
                "This is not a host name: use letters, digits, hyphens and dots, such as "
                "sw1.example.net.",
            )
        ],
        help_text="Optional: a DNS name that connections use instead of the management "
        "address (a device whose address changes). It is resolved at each connection and its "
        "address checked against the scan allowlist.",
    )
    ssh_port = models.PositiveIntegerField(
        "SSH port", default=22, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    is_gateway = models.BooleanField("gateway", default=False)
    virtualisation = models.CharField(
        max_length=10, choices=Virtualisation.choices, default=Virtualisation.BAREMETAL
    )
    url = models.URLField("URL", max_length=500, blank=True)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="devices"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="devices")
    notes = models.TextField(blank=True)
    serial = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True)
    os_version = models.CharField("OS version", max_length=100, blank=True)
    # When a backup last read serial, model, OS version, ARP and neighbours (backups/fetch.py).
    facts_read_at = models.DateTimeField("facts read", null=True, blank=True, editable=False)
    credential_sets = models.ManyToManyField(
        CredentialSet, through="DeviceCredential", blank=True, related_name="devices"
    )
    # The set that worked last time: tried first next time.
    working_credential = models.ForeignKey(
        CredentialSet,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # SSH host key, trusted on first use ("ssh-ed25519 AAAA..."); a different key
    # is kept in `offered_host_key` and every connection fails until an editor accepts it.
    ssh_host_key = models.TextField("pinned SSH host key", blank=True, editable=False)
    ssh_host_key_pinned_at = models.DateTimeField(null=True, blank=True, editable=False)
    offered_host_key = models.TextField("new SSH host key seen", blank=True, editable=False)
    offered_host_key_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Filled by the connection test and the service checks.
    last_test_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_ok = models.BooleanField(null=True, blank=True, editable=False)
    last_test_message = models.CharField(max_length=500, blank=True, editable=False)
    last_test_diagnosis = models.CharField(max_length=24, blank=True, editable=False)
    last_prompt = models.CharField(max_length=200, blank=True, editable=False)
    # Platform detection's guess, offered on the device page until someone confirms it.
    suggested_platform = models.CharField(max_length=40, blank=True, editable=False)
    unavailable_reason = models.CharField(max_length=300, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [("run_device_jobs", "Can run connection tests and platform detection")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:device_detail", args=[self.pk])

    @property
    def device_type(self) -> str:
        """Netmiko's device_type, or "" when no platform is set."""
        return netmiko_device_type(self.platform) if self.platform else ""

    @property
    def is_unavailable(self) -> bool:
        return bool(self.unavailable_reason)

    def credential_order(self) -> list[CredentialSet]:
        """The sets a connection tries, in order: the one that worked, the device's own
        list, then the defaults of its site and of its tags (by priority)."""
        own = [dc.credential_set for dc in self.device_credentials.select_related("credential_set")]
        defaults: list[CredentialSet] = []
        if self.site_id:
            defaults += list(CredentialSet.objects.filter(default_for_sites=self.site_id))
        tags = list(self.tags.values_list("pk", flat=True))
        if tags:
            defaults += list(CredentialSet.objects.filter(default_for_tags__in=tags).distinct())
        defaults.sort(key=lambda c: (c.priority, c.name))
        ordered: list[CredentialSet] = []
        if self.working_credential_id:
            working = self.working_credential
            if working is not None and any(c.pk == working.pk for c in own + defaults):
                ordered.append(working)
        for cred in own + defaults:
            if all(c.pk != cred.pk for c in ordered):
                ordered.append(cred)
        return ordered

    def check_host_key(self, key: str) -> str:
        """Compare a key the device presented with the pin: "pinned" (first use), "match" or
        "changed" (kept as offered; connections fail until an editor accepts it)."""
        key = " ".join(key.split())
        now = timezone.now()
        if not self.ssh_host_key:
            self.ssh_host_key, self.ssh_host_key_pinned_at = key, now
            self.offered_host_key, self.offered_host_key_at = "", None
            self.save(
                update_fields=[
                    "ssh_host_key",
                    "ssh_host_key_pinned_at",
                    "offered_host_key",
                    "offered_host_key_at",
                ]
            )
            return "pinned"
        if key == self.ssh_host_key:
            return "match"
        if key != self.offered_host_key:
            self.offered_host_key, self.offered_host_key_at = key, now
            self.save(update_fields=["offered_host_key", "offered_host_key_at"])
        return "changed"

    def accept_offered_host_key(self) -> None:
        """Pin the new key an editor checked; saved through save() so the audit records it."""
        if not self.offered_host_key:
            raise ValidationError("No new host key was seen for this device: nothing to accept.")
        self.ssh_host_key, self.ssh_host_key_pinned_at = self.offered_host_key, timezone.now()
        self.offered_host_key, self.offered_host_key_at = "", None
        self.save()

    @property
    def suggested_platform_label(self) -> str:
        """The detected platform's name ("Cisco IOS"), for the confirmation notice."""
        if self.suggested_platform in Platform.values:
            return str(Platform(self.suggested_platform).label)
        return self.suggested_platform

    def settle_suggested_platform(self, *, accept: bool) -> None:
        """Use platform detection's guess (accept) or drop it; saved so the audit records it."""
        if not self.suggested_platform:
            raise ValidationError("Platform detection has suggested nothing for this device.")
        if accept:
            self.platform = self.suggested_platform
        self.suggested_platform = ""
        self.save()

    def forget_host_key(self) -> None:
        """Drop the pin (a device was replaced); the next connection pins what it sees."""
        self.ssh_host_key, self.ssh_host_key_pinned_at = "", None
        self.offered_host_key, self.offered_host_key_at = "", None
        self.save()

    def addresses(self) -> list[Host]:
        """Every IPAM host of this device: the management address, then each interface's."""
        hosts: list[Host] = []
        if self.management_host_id and self.management_host is not None:
            hosts.append(self.management_host)
        for iface in self.interfaces.all():
            if iface.host is not None and all(h.pk != iface.host.pk for h in hosts):
                hosts.append(iface.host)
        return hosts

    @transaction.atomic
    def record_neighbours(self, seen: Iterable[tuple[str, str, str, str]]) -> int:
        """Replace this device's LLDP/CDP links with `seen` (local interface, neighbour name,
        neighbour's interface, neighbour's address); returns how many links it has now.

        A local interface is matched however the protocol abbreviates it, and created
        when the inventory lacks it; a neighbour is linked to the device of that name
        (with or without its domain). Links no longer seen are removed."""
        seen = list(seen)
        interfaces = {interface_key(i.name): i for i in self.interfaces.all()}
        names: dict[str, str] = {}
        for _, remote, _, _ in seen:
            names.setdefault(remote.split(".")[0].lower(), remote)
        devices = {
            d.name.split(".")[0].lower(): d
            for d in Device.objects.filter(
                models.Q(name__in=list(names.values())) | models.Q(name__in=list(names))
            ).exclude(pk=self.pk)
        }
        for n in names:  # case-insensitive names need their own lookups (a few per device)
            if n not in devices:
                found = Device.objects.filter(name__iexact=n).exclude(pk=self.pk).first()
                if found is not None:
                    devices[n] = found
        now = timezone.now()
        kept: list[int] = []
        for local, remote, remote_interface, address in seen:
            key = interface_key(local)
            interface = interfaces.get(key)
            if interface is None:
                interface = Interface.objects.create(device=self, name=local[:64])
                interfaces[key] = interface
            link, _ = InterfaceLink.objects.update_or_create(
                interface=interface,
                remote_name=remote[:255],
                remote_interface=remote_interface[:64],
                defaults={
                    "remote_device": devices.get(remote.split(".")[0].lower()),
                    "remote_address": address[:45],
                    "seen_at": now,
                },
            )
            kept.append(link.pk)
        InterfaceLink.objects.filter(interface__device=self).exclude(pk__in=kept).delete()
        return len(set(kept))


class DeviceCredential(models.Model):
    """One credential set in a device's ordered list."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="device_credentials")
    credential_set = models.ForeignKey(
        CredentialSet, on_delete=models.CASCADE, related_name="device_links"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["device", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "credential_set"], name="inventory_device_credential_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.device} #{self.position}: {self.credential_set}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:device_detail", args=[self.device_id])


class Interface(models.Model):
    """A network interface of a device, with its address as an IPAM host."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="interfaces")
    name = models.CharField(max_length=64)
    host = models.ForeignKey(
        Host,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interfaces",
        verbose_name="address",
    )
    vlan = models.ForeignKey(
        VLAN, null=True, blank=True, on_delete=models.SET_NULL, related_name="interfaces"
    )
    mac = models.CharField("MAC address", max_length=17, blank=True, validators=[MAC])
    is_upstream = models.BooleanField("upstream", default=False)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["device", "name"]
        constraints = [
            models.UniqueConstraint(fields=["device", "name"], name="inventory_interface_unique")
        ]

    def __str__(self) -> str:
        return f"{self.device} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:device_detail", args=[self.device_id])

    def clean_fields(self, exclude: Any = None) -> None:
        self.mac = normalise_mac(self.mac)
        super().clean_fields(exclude=exclude)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.mac = normalise_mac(self.mac)
        super().save(*args, **kwargs)


def interface_key(name: str) -> str:
    """A name that matches an interface however a neighbour protocol abbreviates it:
    GigabitEthernet0/1, Gi0/1 and "Gig 0/1" all give "gi0/1"; Port-channel1 and Po1 "po1"."""
    compact = name.replace(" ", "")
    letters = len(compact) - len(compact.lstrip(string.ascii_letters + "-"))
    return compact[:letters].replace("-", "")[:2].lower() + compact[letters:].lower()


class InterfaceLink(models.Model):
    """A neighbour seen on an interface through LLDP or CDP: the other end of a cable."""

    interface = models.ForeignKey(Interface, on_delete=models.CASCADE, related_name="links")
    remote_name = models.CharField("neighbour", max_length=255)
    remote_interface = models.CharField("neighbour's interface", max_length=64, blank=True)
    remote_device = models.ForeignKey(
        "Device", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    remote_address = models.CharField("neighbour's address", max_length=45, blank=True)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["interface", "remote_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["interface", "remote_name", "remote_interface"],
                name="inventory_interfacelink_unique",
            )
        ]

    def __str__(self) -> str:
        far = f"{self.remote_name} {self.remote_interface}".strip()
        return f"{self.interface} ↔ {far}"


class CheckKind(models.TextChoices):
    HTTP = "http", "HTTP(S)"
    TCP = "tcp", "TCP port"


class CheckStatus(models.TextChoices):
    UP = "up", "Up"
    DEGRADED = "degraded", "Degraded"
    DOWN = "down", "Down"
    UNKNOWN = "unknown", "Unknown"


class ServiceCheckQuerySet(models.QuerySet["ServiceCheck"]):
    def due(self, now: datetime) -> ServiceCheckQuerySet:
        return self.filter(enabled=True, next_due__lte=now)


class ServiceCheck(models.Model):
    """A URL or host:port polled on an interval: up, down or degraded, with latency."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=4, choices=CheckKind.choices, default=CheckKind.HTTP)
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.CASCADE, related_name="service_checks"
    )
    host = models.ForeignKey(
        Host, null=True, blank=True, on_delete=models.CASCADE, related_name="service_checks"
    )
    url = models.URLField(
        "URL", max_length=500, blank=True, help_text="For HTTP(S) checks: http:// or https://."
    )
    target = models.CharField(
        max_length=260, blank=True, help_text="For TCP checks: host:port, e.g. 198.18.0.5:443."
    )
    expected_status = models.PositiveSmallIntegerField(
        default=200, validators=[MinValueValidator(100), MaxValueValidator(599)]
    )
    expected_text = models.CharField(
        max_length=200, blank=True, help_text="Optional: the page must contain this text."
    )
    verify_tls = models.BooleanField("verify TLS certificate", default=True)
    interval_s = models.PositiveIntegerField(
        "every (seconds)", default=30, validators=[MinValueValidator(10), MaxValueValidator(86400)]
    )
    timeout_s = models.FloatField(
        "timeout (seconds)", default=5.0, validators=[MinValueValidator(0.5), MaxValueValidator(60)]
    )
    degraded_ms = models.PositiveIntegerField(
        "degraded above (ms)", default=2000, help_text="Slower answers count as degraded."
    )
    cert_warn_days = models.PositiveSmallIntegerField(
        "warn days before the certificate expires", default=14
    )
    enabled = models.BooleanField(default=True)
    status = models.CharField(
        max_length=8, choices=CheckStatus.choices, default=CheckStatus.UNKNOWN, editable=False
    )
    latency_ms = models.FloatField(null=True, blank=True, editable=False)
    message = models.CharField(max_length=300, blank=True, editable=False)
    cert_expires = models.DateTimeField(null=True, blank=True, editable=False)
    last_checked = models.DateTimeField(null=True, blank=True, editable=False)
    last_change = models.DateTimeField(null=True, blank=True, editable=False)
    next_due = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    # What a user sets (the form's fields and the API's writable ones) and what each poll
    # writes (read-only, left out of the audit trail).
    SETTING_FIELDS = (
        "name",
        "kind",
        "device",
        "url",
        "target",
        "expected_status",
        "expected_text",
        "verify_tls",
        "interval_s",
        "timeout_s",
        "degraded_ms",
        "cert_warn_days",
        "enabled",
    )
    RESULT_FIELDS = (
        "status",
        "latency_ms",
        "message",
        "cert_expires",
        "last_checked",
        "last_change",
    )

    objects = ServiceCheckQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:check_detail", args=[self.pk])

    @property
    def where(self) -> str:
        return self.url if self.kind == CheckKind.HTTP else self.target

    def clean(self) -> None:
        if self.kind == CheckKind.HTTP:
            if not self.url:
                raise ValidationError(
                    {"url": "An HTTP(S) check needs a URL such as https://nas.lan/."}
                )
            if not self.url.lower().startswith(("http://", "https://")):
                raise ValidationError({"url": "Use an http:// or https:// URL."})
        else:
            from inventory.http_check import parse_target

            try:
                parse_target(self.target)
            except ValueError as error:
                raise ValidationError({"target": str(error)}) from None
        if self.timeout_s and self.interval_s and self.timeout_s >= self.interval_s:
            raise ValidationError({"timeout_s": "The timeout must be shorter than the interval."})


class CheckChange(models.Model):
    """A service check's status change: the history is its changes plus hourly buckets."""

    service_check = models.ForeignKey(
        ServiceCheck, on_delete=models.CASCADE, related_name="changes"
    )
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=CheckStatus.choices)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["service_check", "at"])]

    def __str__(self) -> str:
        return f"{self.service_check} {self.status} at {self.at:%Y-%m-%d %H:%M}"


class CheckHour(models.Model):
    """One hour of a check's results: how many, how many up, latency sum (for uptime %)."""

    service_check = models.ForeignKey(ServiceCheck, on_delete=models.CASCADE, related_name="hours")
    hour = models.DateTimeField()
    samples = models.PositiveIntegerField(default=0)
    up = models.PositiveIntegerField(default=0)
    latency_sum_ms = models.FloatField(default=0)

    class Meta:
        ordering = ["service_check", "hour"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_check", "hour"], name="inventory_checkhour_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_check} {self.hour:%Y-%m-%d %H}:00 {self.up}/{self.samples}"
