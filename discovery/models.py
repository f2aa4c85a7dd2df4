"""Discovery records: scan allowlist, runs, status history, open ports, profiles, reconciliation."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from discovery import scope
from netkeep.jobs.models import Run

if TYPE_CHECKING:
    from discovery.nmap import ScanProfile
    from ipam.models import Host, Subnet

_M = TypeVar("_M", bound=models.Model)


class AllowedNetwork(models.Model):
    """A network an administrator allowed for scanning (beside SCAN_ALLOWED_NETWORKS)."""

    network = models.CharField(max_length=43, unique=True)
    description = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["network"]

    def __str__(self) -> str:
        return self.network

    def get_absolute_url(self) -> str:
        return reverse("discovery:allowlist")

    def clean(self) -> None:
        try:
            network = scope.parse_network(self.network)
        except scope.ScopeError as error:
            raise ValidationError({"network": str(error)}) from None
        self.network = str(network)
        # The allowlist may not open what is never scanned (loopback, multicast, ...).
        try:
            scope.check_scope(network, [network])
        except scope.ScopeError as error:
            raise ValidationError({"network": str(error)}) from None


class RunKind(models.TextChoices):
    SWEEP = "sweep", "Ping sweep"
    KNOWN_HOSTS = "known_hosts", "Known-hosts check"
    PORTS = "ports", "Port scan"
    DNS = "dns", "DNS pass"


class ScanRun(Run):
    """A discovery run (netkeep.jobs' Run) seen with the subnet and host it is about."""

    class Meta:
        proxy = True
        default_permissions = ()
        permissions = [("run_scans", "Can run scans")]
        verbose_name = "scan run"

    def _ref(self, name: str, model: type[_M]) -> _M | None:
        cache = self.__dict__.setdefault("_ref_cache", {})
        pk = self.refs.get(name)
        if name not in cache or getattr(cache[name], "pk", None) != pk:
            cache[name] = model._default_manager.filter(pk=pk).first() if pk else None
        return cache[name]

    def _set_ref(self, name: str, value: models.Model | None) -> None:
        self.refs = (
            {**self.refs, name: value.pk}
            if value is not None
            else {k: v for k, v in self.refs.items() if k != name}
        )
        self.__dict__.setdefault("_ref_cache", {})[name] = value

    @property
    def subnet(self) -> Subnet | None:
        from ipam.models import Subnet

        return self._ref("subnet", Subnet)

    @subnet.setter
    def subnet(self, value: Subnet | None) -> None:
        self._set_ref("subnet", value)

    @property
    def host(self) -> Host | None:
        from ipam.models import Host

        return self._ref("host", Host)

    @host.setter
    def host(self, value: Host | None) -> None:
        self._set_ref("host", value)


class HostSample(models.Model):
    """One observation of a host (up or down, round-trip time), kept for a short window."""

    host = models.ForeignKey("ipam.Host", on_delete=models.CASCADE, related_name="samples")
    at = models.DateTimeField(db_index=True)
    up = models.BooleanField()
    rtt_ms = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["host", "at"]
        indexes = [models.Index(fields=["host", "at"])]

    def __str__(self) -> str:
        return f"{self.host_id} {'up' if self.up else 'down'} at {self.at:%Y-%m-%d %H:%M:%S}"


class HostHourly(models.Model):
    """One hour of a host's samples rolled up: time observed and up, samples, round-trip times."""

    host = models.ForeignKey("ipam.Host", on_delete=models.CASCADE, related_name="hourly")
    hour = models.DateTimeField()
    # Uptime is a share of time: each sample stands for the time until the next one
    # (at most the sweep interval); these are its seconds within this hour.
    seconds_observed = models.FloatField(default=0.0)
    seconds_up = models.FloatField(default=0.0)
    samples = models.PositiveIntegerField(default=0)
    up_samples = models.PositiveIntegerField(default=0)
    rtt_avg = models.FloatField(null=True, blank=True)
    rtt_min = models.FloatField(null=True, blank=True)
    rtt_max = models.FloatField(null=True, blank=True)

    # The hour's figures (all but its key, host and hour): what a roll-up rewrites.
    FIGURES = (
        "seconds_observed",
        "seconds_up",
        "samples",
        "up_samples",
        "rtt_avg",
        "rtt_min",
        "rtt_max",
    )

    class Meta:
        ordering = ["host", "hour"]
        verbose_name = "hourly host status"
        verbose_name_plural = "hourly host status"
        constraints = [
            models.UniqueConstraint(fields=["host", "hour"], name="discovery_hourly_unique")
        ]
        indexes = [models.Index(fields=["hour"])]

    def __str__(self) -> str:
        return f"{self.host_id} {self.hour:%Y-%m-%d %H}:00 {self.up_samples}/{self.samples} up"


class PortProtocol(models.TextChoices):
    TCP = "tcp", "TCP"
    UDP = "udp", "UDP"


class OpenPort(models.Model):
    """A port found on a host; `current` is false once a later scan no longer sees it open."""

    host = models.ForeignKey("ipam.Host", on_delete=models.CASCADE, related_name="open_ports")
    port = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(65535)])
    protocol = models.CharField(max_length=3, choices=PortProtocol.choices)
    state = models.CharField(max_length=16, default="open")
    service = models.CharField(max_length=100, blank=True)
    product = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=200, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    current = models.BooleanField(default=True, db_index=True)

    class Meta:
        ordering = ["host", "protocol", "port"]
        constraints = [
            models.UniqueConstraint(
                fields=["host", "port", "protocol"], name="discovery_openport_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The chip text: "22/ssh", or "22/tcp" when the service is unknown."""
        return f"{self.port}/{self.service or self.protocol}"


class PortsChoice(models.TextChoices):
    TOP100 = "top100", "Top 100 ports"
    TOP1000 = "top1000", "Top 1000 ports"
    LIST = "list", "These ports"


class ScanProfileDef(models.Model):
    """An administrator-defined Nmap profile, built only from allowed options."""

    # What an administrator fills in, in form order (the admin and the page share it).
    FORM_FIELDS = (
        "name",
        "label",
        "ports",
        "port_list",
        "service_detection",
        "udp",
        "timing",
        "host_timeout_s",
    )

    name = models.SlugField(
        max_length=50, unique=True, help_text="Lower-case letters, digits, '-' and '_'."
    )
    label = models.CharField(max_length=100, blank=True)
    ports = models.CharField(max_length=8, choices=PortsChoice.choices, default=PortsChoice.TOP100)
    port_list = models.CharField(
        max_length=2000, blank=True, help_text="With “These ports”: numbers separated by commas."
    )
    service_detection = models.BooleanField(default=False)
    udp = models.BooleanField("also UDP", default=False)
    timing = models.PositiveSmallIntegerField(
        default=4,
        choices=[(n, f"T{n}") for n in range(6)],
        help_text="Nmap timing template: T0 slowest … T5 fastest.",
    )
    host_timeout_s = models.PositiveIntegerField(
        "host timeout (seconds)",
        default=300,
        validators=[MinValueValidator(1), MaxValueValidator(86400)],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "scan profile"

    def __str__(self) -> str:
        return self.label or self.name

    def get_absolute_url(self) -> str:
        return reverse("discovery:profile_edit", args=[self.pk])

    def parsed_ports(self) -> list[int]:
        numbers: list[int] = []
        for part in self.port_list.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise ValidationError(
                    {"port_list": f"“{part}” is not a port number: list numbers such as 22,80,443."}
                )
            numbers.append(int(part))
        return numbers

    def to_profile(self) -> ScanProfile:
        """The discovery.nmap.ScanProfile this definition stands for (ValueError if invalid)."""
        from discovery import nmap

        ports: Any = self.ports if self.ports != PortsChoice.LIST else self.parsed_ports()
        return nmap.ScanProfile.build(
            self.name,
            ports=ports,
            service_detection=self.service_detection,
            timing=int(self.timing),
            udp=self.udp,
            host_timeout_s=int(self.host_timeout_s),
            label=self.label or None,
        )

    def clean(self) -> None:
        from discovery import nmap

        if self.name in nmap.BUILTIN_PROFILES:
            raise ValidationError(
                {"name": f"“{self.name}” is a built-in profile: choose another name."}
            )
        if self.ports != PortsChoice.LIST and self.port_list.strip():
            raise ValidationError(
                {"port_list": "Leave the port list empty, or choose “These ports”."}
            )
        try:
            self.to_profile()
        except ValueError as error:
            message = str(error)
            if "profile name" in message:
                field = "name"
            elif message.startswith(("timing", "host_timeout")):
                field = "timing" if message.startswith("timing") else "host_timeout_s"
            else:
                field = "port_list" if self.ports == PortsChoice.LIST else "ports"
            raise ValidationError({field: str(error)}) from None


class ReconKind(models.TextChoices):
    UNDOCUMENTED_ALIVE = "undocumented_alive", "Alive but undocumented"
    UNSEEN_DOCUMENTED = "unseen_documented", "Documented but unseen"
    PTR_MISMATCH = "ptr_mismatch", "PTR differs from hostname"
    MAC_CHANGED = "mac_changed", "MAC changed"


class ReconState(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"


class ReconciliationItemQuerySet(models.QuerySet["ReconciliationItem"]):
    def open(self) -> ReconciliationItemQuerySet:
        return self.filter(state=ReconState.OPEN)

    def showing(self, kind: str, unseen_days: int) -> ReconciliationItemQuerySet:
        """Open items of `kind` (all kinds when empty); "unseen" ones only past `unseen_days`."""
        items = self.open().select_related("host", "host__subnet")
        if kind:
            items = items.filter(kind=kind)
        horizon = timezone.now() - timedelta(days=unseen_days)
        stale = Q(host__last_seen__lt=horizon) | Q(host__last_seen__isnull=True)
        return items.filter(~Q(kind=ReconKind.UNSEEN_DOCUMENTED) | stale).order_by(
            "kind", "-created"
        )

    def open_counts(self) -> list[tuple[str, str, int]]:
        """(kind, label, open items) for every kind, in the order of ReconKind."""
        counts = dict(self.open().values_list("kind").annotate(n=models.Count("id")).order_by())
        return [(kind, label, counts.get(kind, 0)) for kind, label in ReconKind.choices]


class ReconciliationItem(models.Model):
    """A difference between what IPAM documents and what discovery saw, awaiting a decision."""

    kind = models.CharField(max_length=20, choices=ReconKind.choices)
    host = models.ForeignKey("ipam.Host", on_delete=models.CASCADE, related_name="recon_items")
    details = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=10, choices=ReconState.choices, default=ReconState.OPEN, db_index=True
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ReconciliationItemQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "reconciliation item"
        constraints = [
            # One open item per host and kind: refreshing twice adds nothing.
            models.UniqueConstraint(
                fields=["host", "kind"],
                condition=Q(state="open"),
                name="discovery_recon_one_open_per_host_kind",
            )
        ]

    def __str__(self) -> str:
        # The address, never the row id: this text is what the audit trail shows.
        return f"{self.get_kind_display()}: {self.host.address}"

    def get_absolute_url(self) -> str:
        return reverse("discovery:reconcile")


class ReconciliationCheck(models.Model):
    """When IPAM was last compared with what discovery saw, why, and what that found (one row)."""

    checked_at = models.DateTimeField()
    trigger = models.CharField(max_length=200, help_text="What asked for the check.")
    unseen_days = models.PositiveIntegerField()
    open_items = models.JSONField(default=dict, help_text="Open items by kind after the check.")
    new_items = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "reconciliation check"

    def __str__(self) -> str:
        return f"Reconciliation checked {self.checked_at:%Y-%m-%d %H:%M} ({self.trigger})"

    def get_absolute_url(self) -> str:
        return reverse("discovery:reconcile")

    @classmethod
    def latest(cls) -> ReconciliationCheck | None:
        """The last check, or None when IPAM was never compared with the network."""
        return cls.objects.order_by("-checked_at").first()
