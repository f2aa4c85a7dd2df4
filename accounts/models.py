"""Users, roles, login failures, API tokens and the audit trail."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Unpack

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.urls import reverse
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from netkeep.types import SaveOptions


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
    setup_dismissed = models.BooleanField(
        "first-run checklist dismissed",
        default=False,
        help_text="Hides the dashboard's first-run checklist for this user.",
    )

    class Meta:
        ordering = ["username"]
        permissions = [("manage_users", "Can manage users and see the audit trail")]

    def get_absolute_url(self) -> str:
        return reverse("accounts:user_edit", args=[self.pk])

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        # Tokens issued before this instant are refused (see accounts.authentication).
        self.password_changed_at = timezone.now()

    def save(self, **kwargs: Unpack[SaveOptions]) -> None:
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
        super().save(**kwargs)
        from accounts.roles import apply_role

        apply_role(self)


class Session(AbstractBaseSession):
    """A browser's session (Django's row), with the id of the user signed in to it.

    The column lets the request's one session query bring the user and their
    permission ids too (accounts.sessions); Django keeps the id only inside the
    encoded data. Deleting a user deletes their sessions. No database constraint:
    a session saved in the moment its user is deleted must not fail the request.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls) -> type:
        from accounts.sessions import SessionStore

        return SessionStore


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
        VIEW = "view", "Viewed"  # reading something sensitive, such as an unmasked config

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, blank=True)
    door = models.CharField(max_length=8, choices=Door.choices)
    action = models.CharField(max_length=8, choices=Action.choices)
    # No index of its own: the (content_type, object_id) index serves it.
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, db_index=False
    )
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, help_text="field → [old, new]; secrets masked")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.username or 'system'} {self.action} {self.object_repr}"


class TokenScope(models.TextChoices):
    READ = "read", "Read-only"
    WRITE = "write", "Read-write"


class TokenError(Exception):
    """A presented API token that must not authenticate; the message says why and what to do."""


class APITokenQuerySet(models.QuerySet["APIToken"]):
    def visible_to(self, user: User | AnonymousUser) -> APITokenQuerySet:
        """Every token for those who manage users, otherwise the user's own."""
        from accounts.roles import may_manage_all_tokens

        return self if may_manage_all_tokens(user) else self.filter(user=user)

    def authenticate(self, key: str) -> APIToken:
        """The token this key belongs to, or TokenError saying why it cannot be used."""
        prefix = APIToken.prefix_of(key)
        token = self.select_related("user").filter(prefix=prefix).first() if prefix else None
        if token is None or not hmac.compare_digest(token.key_hash, APIToken.hash_key(key)):
            raise TokenError("Invalid token: check that the whole key was copied.")
        if token.revoked_at is not None:
            raise TokenError(
                f"This token ({token.name}) was revoked on {token.revoked_at:%Y-%m-%d %H:%M} UTC: "
                "create a new one on your account page."
            )
        if token.expires_at is not None and token.expires_at <= timezone.now():
            raise TokenError(
                f"This token ({token.name}) expired on {token.expires_at:%Y-%m-%d %H:%M} UTC: "
                "create a new one on your account page."
            )
        if not token.user.is_active:
            raise TokenError("The account this token belongs to is deactivated.")
        return token


class APIToken(models.Model):
    """A user's named key for scripts: stored hashed, read-only or read-write, revocable."""

    # `nk_` + prefix + `_` + secret. The prefix is stored in clear to find the row;
    # only the SHA-256 of the whole key is kept, so a database dump yields no key.
    KEY_START = "nk_"
    PREFIX_LENGTH = 12

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. nightly export.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Leave empty for a token that does not expire."
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = APITokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.KEY_START}{self.prefix}…)"

    def get_absolute_url(self) -> str:
        return reverse("accounts:token_list")

    @classmethod
    def hash_key(cls, key: str) -> str:
        # A plain hash suffices: the key carries 240 random bits, nothing to brute-force.
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()

    @classmethod
    def prefix_of(cls, key: str) -> str | None:
        """The lookup prefix of a well-formed key, None for anything else."""
        end = len(cls.KEY_START) + cls.PREFIX_LENGTH
        if not key.startswith(cls.KEY_START) or len(key) < end + 2 or key[end] != "_":
            return None
        return key[len(cls.KEY_START) : end]

    @classmethod
    def issue(
        cls,
        user: User,
        name: str,
        scope: str = TokenScope.READ,
        expires_at: datetime | None = None,
    ) -> tuple[APIToken, str]:
        """Create a token and return it with its key: the only time the key exists in clear."""
        prefix = secrets.token_hex(cls.PREFIX_LENGTH // 2)
        key = f"{cls.KEY_START}{prefix}_{secrets.token_urlsafe(30)}"
        token = cls.objects.create(
            user=user,
            name=name,
            scope=scope,
            expires_at=expires_at,
            prefix=prefix,
            key_hash=cls.hash_key(key),
        )
        return token, key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

    @property
    def allows_writes(self) -> bool:
        return self.scope == TokenScope.WRITE

    def revoke(self) -> bool:
        """Revoke the token for good (audited); False when it already was."""
        if self.revoked_at is not None:
            return False
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
        return True

    def touch(self) -> None:
        """Record a use, writing at most once a minute per token (one conditional UPDATE)."""
        now = timezone.now()
        if self.last_used is not None and now - self.last_used < LAST_USED_RESOLUTION:
            return
        stale = models.Q(last_used__isnull=True) | models.Q(
            last_used__lt=now - LAST_USED_RESOLUTION
        )
        # update() bypasses save(): a use is not a change for the audit trail.
        APIToken.objects.filter(stale, pk=self.pk).update(last_used=now)
        self.last_used = now


LAST_USED_RESOLUTION = timedelta(minutes=1)
