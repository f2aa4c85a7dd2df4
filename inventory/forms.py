"""Inventory forms: devices with their interfaces, credential sets with write-only secrets."""

from __future__ import annotations

from typing import Any

from django import forms

from inventory.models import CredentialSet

SECRET_LABELS = {
    "password": "Password",
    "enable_secret": "Enable secret",
    "ssh_private_key": "SSH private key",
    "ssh_key_passphrase": "SSH key passphrase",
}


class CredentialSetForm(forms.ModelForm):
    """Secrets are write-only: blank keeps the stored value, a tick on "clear" removes it."""

    class Meta:
        model = CredentialSet
        fields = [
            "name",
            "description",
            "username",
            "password",
            "enable_secret",
            "ssh_private_key",
            "ssh_key_passphrase",
            "priority",
            "default_for_sites",
            "default_for_tags",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.secrets_set() if self.instance.pk else {}
        for name, label in SECRET_LABELS.items():
            is_set = stored.get(name, False)
            widget: forms.Widget = (
                forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"})
                if name == "ssh_private_key"
                else forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            )
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                strip=name != "ssh_private_key",
                widget=widget,
                help_text=(
                    "Set. Leave empty to keep it; type a new value to replace it."
                    if is_set
                    else "Not set."
                ),
            )
            if is_set:
                self.fields[f"clear_{name}"] = forms.BooleanField(
                    label=f"Remove the stored {label.lower()}", required=False
                )
        # The key textarea never shows the stored key either.
        self.initial.update(dict.fromkeys(SECRET_LABELS, ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in SECRET_LABELS:
            typed = data.get(name) or ""
            if typed:
                continue
            if data.get(f"clear_{name}"):
                data[name] = ""
            else:
                # The instance still holds the stored value until the form saves.
                data[name] = getattr(self.instance, name) or ""
        return data
