"""Sign-in, password and user-management forms."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.http import HttpRequest
from django.utils import timezone

from accounts import throttle
from accounts.models import APIToken, Role, User


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form, refusing early once an IP or a username is throttled."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. Check both and try again.",
        "locked": throttle.LOCKED_MESSAGE,
    }

    def clean(self) -> dict[str, object]:
        request: HttpRequest = self.request  # type: ignore[assignment]
        username = self.data.get("username", "")
        if throttle.is_locked(request, username):
            throttle.record_failure(request, username, "web")
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(request, username, "web")
            raise
        # A name the field refused (say, with a NUL in it) never reached authentication:
        # it must not forgive the failures of the name it folds to.
        if self.get_user() is not None:
            throttle.clear(username)
        return cleaned


SAME_PASSWORD = "The new password must differ from the current one: choose another."


class NewPasswordForm(PasswordChangeForm):
    """Change one's own password (old one required, new one different)."""

    def clean_new_password1(self) -> str:
        password: str = self.cleaned_data["new_password1"]
        if password and self.user.check_password(password):
            raise forms.ValidationError(SAME_PASSWORD, code="password_unchanged")
        return password


class AccountForm(forms.ModelForm):
    """What a user may change about themselves."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]


class UserCreateForm(forms.ModelForm):
    """An admin creates a user with a first password the user must replace."""

    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="A first password; the user must change it at first sign-in.",
    )

    class Meta:
        model = User
        fields = ["username", "email", "role"]

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        password_validation.validate_password(password, self.instance)
        return password

    def save(self, commit: bool = True) -> User:
        user: User = super().save(commit=False)
        user.set_password(self.cleaned_data["password"])
        user.must_change_password = True
        if commit:
            user.save()
        return user


class UserEditForm(forms.ModelForm):
    """An admin changes a user's role or deactivates them."""

    class Meta:
        model = User
        fields = ["username", "email", "role", "is_active"]
        labels = {"is_active": "Active (can sign in)"}


class PasswordResetByAdminForm(SetPasswordForm):
    """An admin sets a temporary password; the user must change it."""

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.must_change_password = True
        if commit:
            user.save()
        return user


class TokenForm(forms.ModelForm):
    """A new API token: a name, a scope and how long it lives."""

    LIFETIMES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("", "Never")]
    lifetime = forms.ChoiceField(
        choices=LIFETIMES,
        initial="90",
        required=False,
        label="Expires after",
        help_text="A token for a script that runs for years can be revoked here at any time.",
    )

    class Meta:
        model = APIToken
        fields = ["name", "scope"]

    def issue(self, user: User) -> tuple[APIToken, str]:
        days = self.cleaned_data["lifetime"]
        expires_at = timezone.now() + timedelta(days=int(days)) if days else None
        return APIToken.issue(
            user, self.cleaned_data["name"], self.cleaned_data["scope"], expires_at
        )


ROLE_CHOICES = Role.choices
