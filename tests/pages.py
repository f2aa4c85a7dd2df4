"""Every page of the project with real ids: the URLconf walked, path arguments filled.

The XSS sweep (tests/test_reflected_input.py) and the outside-request browser
test (tests/test_browser_origin.py) both visit every URL pattern Django knows.
`populate()` makes at least one object of every model that has a page, and
`every_page()` fills each pattern's arguments with the id of such an object,
so detail, edit and admin change pages answer with content instead of 404.
A model, a page or a path argument that cannot be filled fails loudly and says
what to add here.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import models
from django.urls import Resolver404, URLPattern, get_resolver, resolve
from django.utils import timezone

from tests.test_foundation_crawl import _generate, _walk

# Stored text that must come back escaped: every free-text field of the
# populated objects carries it, so stored data is swept along with query strings.
STORED = "<script>stored()</script>"

# URL nouns that are not a model name ("allowlist_delete" → AllowedNetwork).
NOUNS = {
    "allowlist": "discovery.AllowedNetwork",
    "profile": "discovery.ScanProfileDef",
    "history": "ipam.Host",
    "openport": "discovery.OpenPort",
    "token": "accounts.APIToken",
    "check": "inventory.ServiceCheck",
    "schedule": "backups.BackupSchedule",
    "version": "backups.ConfigVersion",
    "diff": "backups.ConfigVersion",
}
# Path arguments that are not an object id, with every value worth visiting.
VALUES: dict[str, list[str]] = {"kind": ["hosts", "subnets", "vlans"]}
# Patterns with no page of their own: admin's catch-all redirect.
SKIP_REGEXES = {"admin/(?P<url>.*)"}


@dataclass(frozen=True)
class Page:
    """One concrete path of one URL pattern."""

    path: str
    pattern: URLPattern
    regex: str

    @property
    def view(self) -> Any:
        return self.pattern.callback


def has_view(path: str) -> bool:
    """Whether a URL pattern matches the path (False: a plain 404, such as an id of "0.5")."""
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def populate() -> None:
    """One or more objects of every model that has a page, free text holding STORED."""
    from accounts.models import APIToken, AuditEntry, Role, User
    from discovery.models import (
        AllowedNetwork,
        OpenPort,
        ReconciliationItem,
        ScanProfileDef,
        ScanRun,
    )
    from ipam.models import Host, Subnet
    from netkeep.models import Event, Webhook, WebhookDelivery

    call_command("seed_demo", hosts=40, verbosity=0)
    call_command("seed_demo_history", hosts=3, verbosity=0)
    subnet = Subnet.objects.filter(network="192.0.2.0/24").first() or Subnet.objects.first()
    assert subnet is not None
    Subnet.objects.filter(pk=subnet.pk).update(description=STORED, name=STORED)
    host = Host.objects.filter(subnet=subnet).first() or Host.objects.first()
    assert host is not None
    Host.objects.filter(pk=host.pk).update(description=STORED, hostname="stored-host")
    user = User.objects.create(username="someone", role=Role.VIEWER, first_name=STORED)
    now = timezone.now()
    ScanRun.objects.create(
        kind="sweep",
        target=str(subnet.network),
        subnet=subnet,
        status="failed",
        started_by=user,
        error_message=STORED,
        finished=now,
    )
    OpenPort.objects.create(host=host, port=22, protocol="tcp", service="ssh", product=STORED)
    ReconciliationItem.objects.create(kind="new_host", host=host, details={"note": STORED})
    AllowedNetwork.objects.create(network="198.18.0.0/15", description=STORED)
    ScanProfileDef.objects.create(name="stored", label=STORED)
    event = Event.objects.create(
        kind="host_down",
        content_type=ContentType.objects.get_for_model(Host),
        object_id=str(host.pk),
        object_repr=STORED,
    )
    hook = Webhook.objects.create(
        name=STORED, url="http://127.0.0.1:9/hook", kinds=["host_down"], secret="s3cret"
    )
    WebhookDelivery.objects.create(
        webhook=hook, event=event, status_code=500, response_excerpt=STORED, error=STORED
    )
    AuditEntry.objects.create(
        user=user,
        username=user.username,
        door="web",
        action="update",
        content_type=ContentType.objects.get_for_model(Host),
        object_id=str(host.pk),
        object_repr=STORED,
        changes={"description": ["", STORED]},
    )
    APIToken.issue(user, STORED)
    _populate_backups()
    _populate_third_party(now - timedelta(minutes=5))
    # Models added since (by any app) get one object filled in generically.
    for model in apps.get_models():
        meta = model._meta
        if meta.managed and not meta.proxy and not model._default_manager.exists():
            _autofill(model)


def _value_for(field: models.Field[Any, Any], n: int) -> Any:
    """A valid-looking value for a required field; free text carries STORED."""
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        related = field.related_model
        assert isinstance(related, type)
        return related._default_manager.order_by("pk").first() or _autofill(related)
    if isinstance(field, models.GenericIPAddressField):
        return "192.0.2.1"
    if isinstance(field, models.URLField):
        return "http://127.0.0.1:9/"
    if isinstance(field, models.EmailField):
        return f"someone{n}@example.org"
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.now().date()
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
        return 1
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BinaryField):
        return STORED.encode()
    if isinstance(field, models.SlugField):
        return f"slug-{n}"
    text = f"{STORED} {n}" if field.unique else STORED
    max_length = getattr(field, "max_length", None) or len(text)
    return text if len(text) <= max_length else f"x{n}"[:max_length]


def _autofill(model: type[models.Model]) -> models.Model:
    """One object of `model` with every required field filled (related objects made too)."""
    values = {}
    for n, field in enumerate(model._meta.concrete_fields):
        automatic = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if field.primary_key or field.null or field.has_default() or automatic:
            continue
        values[field.name] = _value_for(field, n)
    return model._default_manager.create(**values)


def _populate_backups() -> None:
    """Two stored configurations of one device (the diff page compares them)."""
    from backups import profiles, store
    from tests.factories import make_device

    device = make_device("sw-stored", platform="cisco_ios", description=STORED)
    profile = profiles.get("cisco_ios")
    base = "hostname sw\ninterface Gi0/1\n no shutdown\nip route 0.0.0.0 0.0.0.0 192.0.2.1\nend\n"
    for text in (base, base.replace("end", f"banner motd {STORED}\nend")):
        store.save(device, profiles.process(profile, [text]))


def _populate_third_party(when: Any) -> None:
    """Objects of the admin's third-party models (groups, jobs, tokens)."""
    from django.contrib.auth.models import Group
    from django_q.models import OrmQ, Schedule, Task
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )

    from accounts.models import User

    Group.objects.create(name=STORED)
    Schedule.objects.create(name=STORED, func="netkeep.health.healthz")
    for success in (True, False):
        Task.objects.create(
            id=f"{int(success)}" * 32,
            name=STORED,
            func="netkeep.health.healthz",
            started=when,
            stopped=when,
            success=success,
        )
    OrmQ.objects.create(key="netkeep", payload="x", lock=when)
    token = OutstandingToken.objects.create(
        user=User.objects.first(), jti="j" * 32, token="t", expires_at=when
    )
    BlacklistedToken.objects.create(token=token)


def _model_for(pattern: URLPattern) -> type[models.Model] | None:
    """The model whose ids a pattern's arguments take: from the admin, the viewset or the name."""
    view = pattern.callback
    model_admin = getattr(view, "model_admin", None)
    if model_admin is not None:
        return model_admin.model
    viewset = getattr(view, "cls", None)
    queryset = getattr(viewset, "queryset", None)
    # "subnet_detail", "scan_host", "allowlist_delete": the first word that names a model.
    for noun in (pattern.name or "").replace("-", "_").split("_"):
        if noun in NOUNS:
            return apps.get_model(NOUNS[noun])
        model = _model_named(noun)
        if model is not None:
            return model
    if queryset is not None:
        return queryset.model
    # An unnamed pattern (an old address that redirects): the path's nouns, "webhooks/<pk>/".
    for word in re.findall(r"[a-z]+", pattern.pattern.regex.pattern):
        matches = [m for m in apps.get_models() if m._meta.model_name == word.removesuffix("s")]
        if len(matches) == 1:
            return matches[0]
    return None


def _model_named(noun: str) -> type[models.Model] | None:
    """The one model called `noun`, or else the one whose name ends in it ("check")."""
    for test in (str.__eq__, str.endswith):
        found = [m for m in apps.get_models() if noun and test(m._meta.model_name or "", noun)]
        if len(found) == 1:
            return found[0]
    return None


def _argument_values(regex: str, pattern: URLPattern) -> list[dict[str, str]]:
    """Every combination of values worth visiting for the pattern's named arguments."""
    names = list(sre_parse.parse(regex).state.groupdict)
    combos: list[dict[str, str]] = [{}]
    for name in names:
        if name in VALUES:
            options = VALUES[name]
        elif name == "app_label":
            options = sorted({m._meta.app_label for m in admin.site._registry})
        elif name == "content_type_id":
            options = [str(ContentType.objects.get_for_model(apps.get_model("ipam.Subnet")).pk)]
        else:
            view_on_site = name == "object_id" and "r/" in regex
            model = apps.get_model("ipam.Subnet") if view_on_site else _model_for(pattern)
            assert model is not None, (
                f"{regex!r} ({pattern.name}): which model's ids does <{name}> take? "
                "Add its noun to NOUNS in tests/pages.py."
            )
            obj = model._default_manager.order_by("pk").first()
            assert obj is not None, (
                f"{regex!r} needs a {model._meta.label}: make one in tests/pages.py populate()."
            )
            options = [str(obj.pk)]
        combos = [{**c, name: v} for c in combos for v in options]
    return combos


def _fill(regex: str, values: dict[str, str]) -> str:
    """The path matching `regex`, with named arguments taken from `values`."""
    parsed = sre_parse.parse(regex)
    index_to_name = {i: n for n, i in parsed.state.groupdict.items()}
    out = []
    for op, arg in parsed:
        if op is sre.SUBPATTERN and index_to_name.get(arg[0]) in values:
            out.append(values[index_to_name[arg[0]]])
        else:
            out.append(_generate([(op, arg)]))
    return "/" + "".join(out)


# Sweeps over every page split into this many shards, so parallel workers share them.
SHARDS = 4


def every_page(shard: int | None = None) -> Iterator[Page]:
    """One Page per URL pattern and argument combination, each checked to resolve as meant;
    with `shard`, only the patterns whose stable hash falls in it (0 ≤ shard < SHARDS)."""
    for regex, pattern in _walk(get_resolver().url_patterns):
        if shard is not None and zlib.crc32(regex.encode()) % SHARDS != shard:
            continue
        if regex in SKIP_REGEXES:
            continue
        for values in _argument_values(regex, pattern):
            path = _fill(regex, values)
            match = resolve(path)
            kwargs = {k: str(v) for k, v in match.kwargs.items()}
            # path(..., {"label": "subnet"}) adds fixed arguments to the captured ones.
            kwargs = {k: v for k, v in kwargs.items() if k not in pattern.default_args}
            assert match.func == pattern.callback and kwargs == values, (regex, path)
            yield Page(path, pattern, regex)
