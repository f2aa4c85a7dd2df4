"""Benchmark: a device's version list with 1,000 versions, and a diff of two 5,000-line configs.

    .venv/bin/python bench/backups_pages.py

Builds the data in a fresh file SQLite database (or DATABASE_URL), signs in as an
admin and times the pages with Django's test client (median of 7 after one warm-up
request), next to the floor of the same work without the store: difflib's
unified_diff on the two plain line lists.
"""

from __future__ import annotations

import difflib
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, repeats: int = 7) -> float:  # type: ignore[no-untyped-def]
    fn()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    folder = tempfile.mkdtemp(prefix="nk-bench-pages-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/pages.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netkeep.test_settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]

    call_command("migrate", verbosity=0)
    from django.test import Client

    from accounts.models import Role, User
    from backups.models import ConfigVersion
    from backups.store import HistoryLoader
    from bench import synthetic_configs
    from inventory.models import Device

    many = Device.objects.create(name="many-versions", platform="cisco_ios")
    big = Device.objects.create(name="big-config", platform="cisco_ios")
    loader = HistoryLoader()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    history = [
        (w.replace(tzinfo=UTC), lines, str(i))
        for i, (w, lines) in enumerate(synthetic_configs.history(1, 1000))
    ]
    loader.add(many, history)
    base = [f"interface GigabitEthernet{i // 48 + 1}/0/{i % 48 + 1}" for i in range(5000)]
    changed = list(base)
    for k in range(0, 5000, 250):
        changed[k] = changed[k] + " description changed"
    loader.add(big, [(start, base, "a"), (start + timedelta(days=1), changed, "b")])
    loader.finish()
    user = User(username="bench", role=Role.ADMIN)
    user.set_password("bench-password-123")
    user.save()
    client = Client()
    client.force_login(user)
    old, new = ConfigVersion.objects.filter(device=big).order_by("seq")
    newest, before = ConfigVersion.objects.filter(device=many).order_by("-seq")[:2]
    pages = [
        ("version list, 1,000 versions (first page)", f"/backups/devices/{many.pk}/"),
        ("version list, 1,000 versions (last page)", f"/backups/devices/{many.pk}/?page=20"),
        ("diff of two 5,000-line configs, side by side", f"/backups/diff/{old.pk}/{new.pk}/"),
        (
            "diff of two 5,000-line configs, unified",
            f"/backups/diff/{old.pk}/{new.pk}/?view=unified",
        ),
        ("one 5,000-line version", f"/backups/versions/{new.pk}/"),
        ("newest of the 1,000 versions", f"/backups/versions/{newest.pk}/"),
        (
            "newest of the 1,000 versions against the one before",
            f"/backups/diff/{before.pk}/{newest.pk}/",
        ),
    ]
    print(f"# load average {os.getloadavg()[0]:.2f} (1 min) when the timing starts")
    print("| page | median |")
    print("|---|---|")
    for label, url in pages:
        assert client.get(url).status_code == 200, url
        print(f"| {label} | {timed(lambda url=url: client.get(url)):.0f} ms |")
    floor = timed(lambda: list(difflib.unified_diff(base, changed, lineterm="")))
    print(f"| floor: difflib.unified_diff of the same two plain lists | {floor:.0f} ms |")


if __name__ == "__main__":
    main()
