"""CSV import (upload → preview → apply) and export of filtered lists."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from ipam.exporting import stream_csv
from ipam.filters import HostFilter, SubnetFilter, VLANFilter
from ipam.importing import KINDS, ImportFileError, decode
from ipam.models import VLAN, Host, Subnet
from netkeep import importing, jobs
from netkeep.responses import plain_error

MODELS = {"vlans": "vlan", "subnets": "subnet", "hosts": "host"}


class ImportForm(forms.Form):
    """The upload: a file or pasted text, what it holds and what to do with existing rows."""

    # Every kind an app registered with the import framework (IPAM's, inventory's devices, ...).
    kind = forms.ChoiceField(choices=lambda: _kind_choices())
    file = forms.FileField(required=False, help_text="A CSV file with a header line.")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        label="Or paste CSV",
    )
    mode = forms.ChoiceField(
        choices=[("skip", "Skip rows that already exist"), ("update", "Update existing rows")],
        initial="skip",
        required=False,
        widget=forms.RadioSelect,
        label="Rows matching an existing object",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["mode"] = data.get("mode") or "skip"
        upload = data.get("file")
        if upload is not None:
            message = importing.upload_too_big(upload.size)
            if message:
                raise forms.ValidationError(message)
            data["csv"] = decode(upload.read())
            data["filename"] = upload.name or ""
        elif data.get("text", "").strip():
            data["csv"] = data["text"]
            data["filename"] = ""
        else:
            raise forms.ValidationError("Choose a CSV file or paste its text.")
        return data


IPAM_LABELS = {"hosts": "Hosts (IP addresses)", "subnets": "Subnets", "vlans": "VLANs"}


def _kind_choices() -> list[tuple[str, str]]:
    """IPAM's kinds first, then those other apps registered."""
    others = sorted((k, c.label) for k, c in importing.REGISTRY.items() if k not in IPAM_LABELS)
    return list(IPAM_LABELS.items()) + others


def _check_perms(request: HttpRequest, kind: str, mode: str) -> None:
    try:
        needed = importing.get_importer(kind).permissions(mode)
    except ImportFileError:
        raise PermissionDenied from None
    if not request.user.has_perms(needed):
        raise PermissionDenied


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """A CSV file holding just the header line of a kind: the template to fill in."""
    try:
        importer = importing.get_importer(kind)
    except ImportFileError as error:
        raise Http404(str(error)) from None
    if not request.user.has_perms(importer.permissions("skip")):
        raise PermissionDenied
    response = HttpResponse(",".join(importer.example_columns) + "\r\n", content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="netkeep-{kind}-template.csv"'
    return response


@login_required
@permission_required("ipam.add_host", raise_exception=True)
def import_csv(request: HttpRequest) -> HttpResponse:
    """Upload: the file is stored and previewed (by a job when large), then shown page by page."""
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": request.GET.get("kind", "hosts")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _check_perms(request, data["kind"], data["mode"])
        try:
            batch = importing.upload(
                data["csv"], data["kind"], data["mode"], request.user, data["filename"]
            )
        except (ImportFileError, jobs.RateLimited) as refusal:
            form.add_error(None, str(refusal))
        else:
            url = reverse("imports:batch", args=[batch.pk])
            if request.htmx:  # type: ignore[attr-defined]
                return HttpResponse(status=204, headers={"HX-Redirect": url})
            return redirect(url)
    if request.htmx and request.method == "POST":  # type: ignore[attr-defined]
        return render(request, "ipam/_import_errors.html", {"form": form})
    context = {
        "form": form,
        "other_kinds": _other_kinds(),
        "max_mb": settings.NETKEEP_IMPORT_MAX_MB,
    }
    return render(request, "ipam/import.html", context)


def _other_kinds() -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        (k, c.label, c.example_columns)
        for k, c in sorted(importing.REGISTRY.items())
        if k not in IPAM_LABELS
    ]


@login_required
def export_csv(request: HttpRequest, kind: str) -> HttpResponseBase:
    """The list as CSV, with the same filters as the page (`?q=…&tag=…&within=…`)."""
    if kind not in KINDS:
        raise Http404("Export kinds are vlans, subnets and hosts.")
    if not request.user.has_perm(f"ipam.view_{MODELS[kind]}"):
        raise PermissionDenied
    filters: Any = {"vlans": VLANFilter, "subnets": SubnetFilter, "hosts": HostFilter}[kind]
    base = {"vlans": VLAN.objects.all(), "subnets": Subnet.objects.all(), "hosts": Host.objects}
    filterset = filters(request.GET, queryset=base[kind].all())  # type: ignore[attr-defined]
    if not filterset.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
        return plain_error(f"Invalid filter: {errors}\n")
    response = StreamingHttpResponse(
        stream_csv(kind, filterset.qs), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="netkeep-{kind}-{stamp}.csv"'
    return response
