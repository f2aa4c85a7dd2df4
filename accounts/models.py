"""Users, roles, login failures and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"
    NONE = "", "No access"


class User(AbstractUser):
    """A person who signs in to Netkeep, with one role."""

    role = models.CharField(max_length=16, choices=Role.choices, blank=True, default="")
    must_change_password = models.BooleanField(
        default=False,
        help_text="Set for bootstrap or reset passwords: the user must pick a new one.",
    )
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]
        permissions = [("manage_users", "Can manage users and see the audit trail")]

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        # Tokens issued before this instant are refused (see accounts.authentication).
        self.password_changed_at = timezone.now()

    def save(self, *args: object, **kwargs: object) -> None:
        # `createsuperuser` makes admins too.
        if self.is_superuser and not self.role:
            self.role = Role.ADMIN
        # The role is the source of truth: a demoted superuser keeps no hidden powers.
        if self.role != Role.ADMIN:
            self.is_superuser = False
        # Admins and editors may use the Django admin for bulk edits; their
        # permissions still apply there.
        if self.role == Role.ADMIN:
            self.is_staff = True
        elif not self.is_superuser:
            self.is_staff = self.role == Role.EDITOR
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        from accounts.roles import apply_role

        apply_role(self)


class LoginFailure(models.Model):
    """One failed sign-in, kept briefly to throttle guessing by IP and by username."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    username = models.CharField(max_length=150, db_index=True)
    door = models.CharField(max_length=8)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"])]

    def __str__(self) -> str:
        return f"{self.username or '?'} from {self.ip} at {self.at:%Y-%m-%d %H:%M:%S}"


class Door(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    ADMIN = "admin", "Admin"
    IMPORT = "import", "Import"
    JOB = "job", "Job"
    COMMAND = "command", "Command"


class AuditEntry(models.Model):
    """Who changed which object, which fields, when and through which door."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, blank=True)
    door = models.CharField(max_length=8, choices=Door.choices)
    action = models.CharField(max_length=8, choices=Action.choices)
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, help_text="field → [old, new]; secrets masked")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.username or 'system'} {self.action} {self.object_repr}"
