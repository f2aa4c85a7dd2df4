"""The config store: versions stored once while unchanged, lines shared, search by line."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backups import profiles, search, store
from backups.models import ConfigLine, ConfigVersion
from bench import synthetic_configs
from inventory.models import Device

pytestmark = pytest.mark.django_db

IOS = profiles.get("cisco_ios")


def processed(lines: list[str]) -> profiles.Processed:
    return profiles.process(IOS, ["\n".join(lines) + "\n"])


def device(name: str = "sw-1") -> Device:
    return Device.objects.create(name=name, platform="cisco_ios")


def test_an_unchanged_config_only_moves_last_checked() -> None:
    sw = device()
    lines = synthetic_configs.config(1)
    first = store.save(sw, processed(lines))
    later = timezone.now() + timedelta(hours=1)
    again = store.save(sw, processed(lines), at=later)
    assert first.created and not again.created
    assert ConfigVersion.objects.count() == 1
    version = ConfigVersion.objects.get()
    assert version.last_checked == later and version.first_seen < later


def test_a_volatile_line_change_is_not_a_new_version() -> None:
    sw = device()
    lines = synthetic_configs.config(1)
    store.save(sw, processed(lines))
    lines[0] = "! Last configuration change at 23:59:59 UTC Sun Dec 6 2026 by bob"
    assert not store.save(sw, processed(lines)).created


def test_each_version_reads_back_exactly() -> None:
    sw = device()
    history = [lines for _, lines in synthetic_configs.history(3, 40)]
    history = [h for i, h in enumerate(history) if i == 0 or h[1:] != history[i - 1][1:]]
    for lines in history:
        store.save(sw, processed(lines))
    versions = list(ConfigVersion.objects.filter(device=sw).order_by("seq"))
    assert len(versions) == len(history) > 33
    assert [v.seq for v in versions if v.keyframe] == [1, 33]
    for version, lines in zip(versions, history, strict=True):
        assert store.lines_of(version) == list(processed(lines).lines)


def test_lines_shared_by_devices_are_stored_once() -> None:
    a, b = device("sw-a"), device("sw-b")
    store.save(a, processed(synthetic_configs.config(1)))
    lines_after_one = ConfigLine.objects.count()
    store.save(b, processed(synthetic_configs.config(2)))
    both = ConfigLine.objects.count()
    # The second device adds only its own lines (hostname, addresses, descriptions).
    assert both - lines_after_one < lines_after_one * 0.6


def test_secrets_are_kept_encrypted_and_never_in_the_line_store() -> None:
    sw = device()
    lines = [*synthetic_configs.config(1)]
    lines.insert(5, "snmp-server community Kanary9xSTORE RO")
    store.save(sw, processed(lines))
    version = ConfigVersion.objects.get()
    assert "Kanary9xSTORE" in version.secrets  # decrypted in Python, for restores
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM backups_configversion")
        assert "Kanary9xSTORE" not in cursor.fetchone()[0]
    assert not any("Kanary9xSTORE" in line for line in store.lines_of(version))


def test_search_finds_devices_and_the_versions_that_hold_a_line() -> None:
    a, b = device("sw-a"), device("sw-b")
    base = synthetic_configs.config(1)
    store.save(a, processed(base))
    store.save(a, processed([*base[:-1], "ip route 203.0.113.0 255.255.255.0 10.0.0.9", "end"]))
    store.save(a, processed(base))  # the route is gone again
    store.save(b, processed(synthetic_configs.config(2)))
    results = search.search("203.0.113.0")
    assert [h.device_name for h in results.hits] == ["sw-a"]
    hit = results.hits[0]
    assert not hit.current
    assert [(r.first_seq, r.last_seq) for r in hit.ranges] == [(2, 2)]
    excerpt = hit.excerpts[0]
    assert any(match and "203.0.113.0" in text for _, text, match in excerpt.lines)
    assert search.search("203.0.113.0", current_only=True).hits == []


def test_a_regex_search_matches_whole_lines() -> None:
    sw = device()
    store.save(sw, processed(synthetic_configs.config(1)))
    results = search.search(r"^hostname sw-\d+$", regex=True)
    assert results.lines == 1 and results.hits[0].current


@pytest.mark.parametrize(
    ("query", "regex", "message"),
    [
        ("", False, "Enter"),
        ("(a+)+$", True, "Nested"),
        ("[", True, "valid"),
        ("a\nb", False, "one line"),
    ],
)
def test_bad_queries_say_what_to_change(query: str, regex: bool, message: str) -> None:
    with pytest.raises(search.SearchError, match=re.escape(message)):
        search.search(query, regex=regex)


def test_the_history_loader_makes_what_save_makes() -> None:
    a = device("sw-a")
    history = [lines for _, lines in synthetic_configs.history(5, 5)]
    for lines in history:
        store.save(a, processed(lines))
    saved = [store.lines_of(v) for v in ConfigVersion.objects.filter(device=a).order_by("seq")]
    ConfigVersion.objects.all().delete()
    ConfigLine.objects.all().delete()
    from backups.models import LinePack

    LinePack.objects.all().delete()
    loader = store.HistoryLoader()
    loader.add(a, ((timezone.now(), processed(x).lines, processed(x).digest) for x in history))
    loader.finish()
    loaded = [store.lines_of(v) for v in ConfigVersion.objects.filter(device=a).order_by("seq")]
    assert loaded == saved
    assert search.search("hostname sw-00005").hits[0].device_name == "sw-a"


def test_the_git_export_commits_each_new_version_masked(tmp_path: Any, settings: Any) -> None:
    from dulwich.repo import Repo

    from backups import gitexport

    settings.NETKEEP_BACKUP_GIT_DIR = str(tmp_path / "configs")
    lines = synthetic_configs.config(4)
    lines.insert(3, "snmp-server community Kanary9xGIT RO")
    text = processed(lines).text
    first = gitexport.export("sw/4", text, "sw-4: version 1")
    second = gitexport.export("sw/4", text.replace("hostname", "hostname x"), "sw-4: version 2")
    repo = Repo(settings.NETKEEP_BACKUP_GIT_DIR)
    assert repo.head().decode() == second != first
    content = (tmp_path / "configs" / "sw_4.cfg").read_text()
    assert "Kanary9xGIT" not in content and "hostname x" in content


def test_the_git_export_is_off_by_default(settings: Any) -> None:
    from backups import gitexport

    settings.NETKEEP_BACKUP_GIT_DIR = ""
    assert gitexport.export("sw-4", "x\n", "m") is None


def test_a_bulk_insert_encrypts_secrets_as_saving_a_model_does() -> None:
    from django.db import connection

    from netkeep import bulk

    sw = device()
    row = {"device_id": sw.pk, "device_name": "sw-1", "seq": 1, "digest": "d", "lines": b"x"}
    bulk.insert(ConfigVersion, [{**row, "secrets": '{"3": "enable secret canary-7"}'}])
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM backups_configversion")
        (stored,) = cursor.fetchone()
    assert "canary-7" not in stored
    assert ConfigVersion.objects.get().secrets == '{"3": "enable secret canary-7"}'


def test_concurrent_git_exports_each_commit(tmp_path: Any, settings: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from dulwich.repo import Repo

    from backups import gitexport

    settings.NETKEEP_BACKUP_GIT_DIR = str(tmp_path / "configs")
    names = [f"sw-{i}" for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        commits = list(pool.map(lambda n: gitexport.export(n, f"hostname {n}\n", n), names))
    assert len(set(commits)) == len(names)
    repo = Repo(settings.NETKEEP_BACKUP_GIT_DIR)
    walked = [entry.commit.id.decode() for entry in repo.get_walker()]
    assert sorted(walked) == sorted(commits)  # one history, no commit lost
