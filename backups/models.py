"""Backups models: distinct config lines in packs, and config versions as line-id lists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from backups import linestore
from netkeep.crypto import EncryptedTextField

if TYPE_CHECKING:
    from inventory.models import Device


class LinePack(models.Model):
    """About a megabyte of distinct config lines, compressed; ids first_id … first_id+count-1."""

    first_id = models.BigIntegerField(unique=True)
    count = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0, help_text="Uncompressed bytes.")
    data = models.BinaryField()
    # CRC-32 of `data`: with first_id and count, the key of the per-process pack cache.
    checksum = models.BigIntegerField(default=0)
    sealed = models.BooleanField(default=False)

    class Meta:
        ordering = ["first_id"]

    def __str__(self) -> str:
        return f"lines {self.first_id}–{self.first_id + self.count - 1}"


class ConfigLine(models.Model):
    """One distinct config line's postings (who ever held it); its text lives in a pack."""

    # Assigned by the store, not by the database; an auto field only so that SQLite
    # makes it the rowid (a plain bigint key would get a second index).
    id = models.BigAutoField(primary_key=True)
    devices = models.BinaryField(default=b"")

    def __str__(self) -> str:
        return f"line {self.id}"

    def device_ids(self) -> list[int]:
        return list(linestore.decode_postings(bytes(self.devices)))


class RemovedDevicePolicy(models.TextChoices):
    KEEP = "keep", "Keep its versions"
    DELETE = "delete", "Delete its versions"


class ConfigVersionQuerySet(models.QuerySet["ConfigVersion"]):
    def chain_for(self, device_id: int | None) -> ConfigVersionQuerySet:
        """A device's versions oldest first, with only what decoding needs."""
        return self.filter(device_id=device_id).order_by("seq")


class ConfigVersion(models.Model):
    """A configuration as it stood from first_seen to last_seen (stored once while unchanged)."""

    device = models.ForeignKey(
        "inventory.Device",
        null=True,
        on_delete=models.SET_NULL,
        related_name="config_versions",
        db_index=False,  # the (device, seq) constraint's index serves every lookup by device
    )
    device_name = models.CharField(max_length=100, help_text="Kept when the device is removed.")
    seq = models.PositiveIntegerField(help_text="1 for a device's first version, then 2, 3, …")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the non-volatile lines.")
    keyframe = models.BooleanField(default=True)
    lines = models.BinaryField(help_text="Line ids: a full list (keyframe) or an edit script.")
    line_count = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0, help_text="Bytes of text.")
    # The masked lines as the device printed them ({line index: text}), encrypted at rest:
    # what a restore needs, shown only to those allowed to see configurations unmasked.
    secrets = EncryptedTextField(blank=True, default="")
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    last_checked = models.DateTimeField(default=timezone.now)

    objects = ConfigVersionQuerySet.as_manager()

    class Meta:
        ordering = ["device_name", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["device", "seq"], name="backups_one_version_per_seq")
        ]
        # Not "view_…": every role reads view_ permissions, and only admins may unmask.
        permissions = [("unmask_config", "Can see configurations with their secrets")]

    def __str__(self) -> str:
        return f"{self.device_name} v{self.seq}"

    def get_absolute_url(self) -> str:
        return reverse("backups:version", args=[self.pk])


class BackupSchedule(models.Model):
    """Back up a group of devices (by tag, platform, role or site) on an interval or a cron line."""

    name = models.CharField(max_length=100, unique=True)
    enabled = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(60 * 24 * 31)],
        help_text="Every this many minutes (5 to 44,640). Leave empty to use a cron line.",
    )
    cron = models.CharField(
        max_length=100,
        blank=True,
        help_text="A cron line such as '0 2 * * *' (02:00 daily), used when no interval is set.",
    )
    tag = models.ForeignKey(
        "ipam.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    platform = models.CharField(max_length=24, blank=True)
    role = models.CharField(max_length=16, blank=True)
    site = models.ForeignKey(
        "ipam.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        # On the schedule, not on versions: versions are admin-only to change, and
        # editors may run backups.
        permissions = [("run_backups", "Can run backups")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("backups:schedule_edit", args=[self.pk])

    def clean(self) -> None:
        from croniter import croniter

        if self.interval_minutes is None and not self.cron.strip():
            raise ValidationError({"interval_minutes": "Set an interval, or a cron line below."})
        if self.interval_minutes is not None and self.cron.strip():
            raise ValidationError({"cron": "Set an interval or a cron line, not both."})
        if self.cron.strip() and not croniter.is_valid(self.cron.strip()):
            raise ValidationError(
                {"cron": f"{self.cron!r} is not a cron line: use five fields, e.g. '0 2 * * *'."}
            )
        self.cron = self.cron.strip()

    def devices(self) -> models.QuerySet[Device]:
        """The devices this schedule backs up: those with a platform, matching every filter."""
        from inventory.models import Device

        devices = Device.objects.exclude(platform="").exclude(management_host=None)
        if self.tag_id:
            devices = devices.filter(tags=self.tag_id)
        if self.platform:
            devices = devices.filter(platform=self.platform)
        if self.role:
            devices = devices.filter(role=self.role)
        if self.site_id:
            devices = devices.filter(site=self.site_id)
        return devices.distinct()

    @property
    def every(self) -> str:
        if self.interval_minutes:
            return f"every {self.interval_minutes} min"
        return f"cron {self.cron}"


class BackupSession(models.Model):
    """A held session slot: at most N rows per scope ("all", "site:3") caps concurrent backups."""

    scope = models.CharField(max_length=30)
    slot = models.PositiveSmallIntegerField()
    run_id = models.PositiveIntegerField()
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "slot"], name="backups_one_run_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.scope} #{self.slot}: run {self.run_id}"
