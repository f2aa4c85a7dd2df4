"""Backups models: distinct config lines in packs, and config versions as line-id lists."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from backups import linestore
from netkeep.crypto import EncryptedTextField


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
    """One distinct config line: its text lives in a pack; `devices` lists who ever held it."""

    # Assigned by the store, not by the database; an auto field only so that SQLite
    # makes it the rowid (a plain bigint key would get a second index).
    id = models.BigAutoField(primary_key=True)
    # 64-bit BLAKE2b of the text: two different lines colliding is about 1 in 10^10
    # for a billion lines, and a collision only merges two lines' postings.
    digest = models.BigIntegerField(unique=True)
    devices = models.BinaryField(default=b"")

    def __str__(self) -> str:
        return f"line {self.id}"

    def device_ids(self) -> list[int]:
        return list(linestore.decode_postings(bytes(self.devices)))


class RemovedDevicePolicy(models.TextChoices):
    KEEP = "keep", "Keep its versions"
    DELETE = "delete", "Delete its versions"


class ConfigVersionQuerySet(models.QuerySet["ConfigVersion"]):
    def chain_for(self, device_id: int) -> ConfigVersionQuerySet:
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
        permissions = [
            ("view_raw_config", "Can view configurations unmasked"),
            ("run_backups", "Can run backups"),
        ]

    def __str__(self) -> str:
        return f"{self.device_name} v{self.seq}"
