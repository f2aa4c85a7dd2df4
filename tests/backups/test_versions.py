"""Reading versions back: from the nearest keyframe, and after their device is removed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import localtime

from backups import profiles, retention, store, views
from backups.models import ConfigVersion
from backups.versions import compare, lines_of, text_of
from bench import synthetic_configs
from inventory.models import Device

pytestmark = pytest.mark.django_db

IOS = profiles.get("cisco_ios")


def processed(lines: list[str]) -> profiles.Processed:
    return profiles.process(IOS, ["\n".join(lines) + "\n"])


def saved_history(name: str, seed: int, count: int) -> tuple[Device, list[list[str]]]:
    device = Device.objects.create(name=name, platform="cisco_ios")
    history = [lines for _, lines in synthetic_configs.history(seed, count)]
    history = [h for i, h in enumerate(history) if i == 0 or h[1:] != history[i - 1][1:]]
    for lines in history:
        store.save(device, processed(lines))
    return device, [list(processed(h).lines) for h in history]


def test_every_version_reads_back_exactly_past_a_keyframe_and_after_thinning() -> None:
    device, history = saved_history("sw-1", 3, 40)
    versions = list(ConfigVersion.objects.filter(device=device).order_by("seq"))
    assert len(versions) > 33
    assert lines_of(*versions) == history
    # Thinning re-encodes the survivors and moves the keyframes.
    kept = [(v, ids) for v, ids in store.chain(device.pk) if v.seq % 3]
    retention.relink(kept)
    ConfigVersion.objects.filter(device=device).exclude(pk__in=[v.pk for v, _ in kept]).delete()
    survivors = [h for v, h in zip(versions, history, strict=True) if v.seq % 3]
    assert lines_of(*ConfigVersion.objects.filter(device=device).order_by("seq")) == survivors


def test_the_versions_of_two_removed_devices_still_read_back_exactly() -> None:
    one, history_one = saved_history("sw-1", 5, 6)
    two, history_two = saved_history("sw-2", 6, 6)
    one.delete()
    two.delete()
    for name, history in (("sw-1", history_one), ("sw-2", history_two)):
        versions = ConfigVersion.objects.filter(device_name=name).order_by("seq")
        assert [v.device_id for v in versions] == [None] * len(history)
        assert lines_of(*versions) == history
        assert text_of(versions.last()) == "\n".join(history[-1]) + "\n"
    first, last = ConfigVersion.objects.filter(device_name="sw-1").order_by("seq")[::5]
    assert compare(first, last).changed


def test_a_diff_of_two_long_configs_shows_exactly_the_changed_lines() -> None:
    device = Device.objects.create(name="big", platform="cisco_ios")
    old = [f"interface GigabitEthernet{i // 48 + 1}/0/{i % 48 + 1}" for i in range(5000)]
    old.append("end")
    new = list(old)
    for k in range(0, 5000, 250):
        new[k] += " description changed"
    a = store.save(device, processed(old)).version
    b = store.save(device, processed(new)).version
    result = compare(a, b)
    assert (result.added, result.removed) == (20, 20)
    assert [block.new for block in result.blocks] == [(new[k],) for k in range(0, 5000, 250)]


def test_the_version_list_pages_newest_first_with_links_and_dates(
    viewer_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE", 5)
    device = Device.objects.create(name="sw-many", platform="cisco_ios")
    start = timezone.now() - timedelta(days=100)
    for i in range(1, 9):
        store.save(
            device,
            processed(["version 15.2", f"hostname v{i}", "end"]),
            at=start + timedelta(hours=i),
        )
    versions = ConfigVersion.objects.filter(device=device).order_by("-seq")
    newest, oldest = versions.first(), versions.last()
    assert newest is not None and oldest is not None
    first = viewer_client.get(reverse("backups:device", args=[device.pk])).content.decode()
    assert f'<a href="/backups/versions/{newest.pk}/">v8</a> <span class="pill' in first
    assert f'href="/backups/versions/{newest.pk}/download/"' in first
    assert localtime(newest.first_seen).strftime("%Y-%m-%d %H:%M") in first
    assert ">v3<" not in first and "Page 1 of 2" in first
    last = viewer_client.get(reverse("backups:device", args=[device.pk]), {"page": 2})
    text = last.content.decode()
    assert f'<a href="/backups/versions/{oldest.pk}/">v1</a></td>' in text
    assert "current</span>" not in text


def test_markup_in_a_config_is_shown_as_text_on_every_page(viewer_client: Client) -> None:
    device = Device.objects.create(name="sw-1", platform="cisco_ios")
    old = store.save(device, processed(["hostname sw-1", 'banner motd <b>"hi"</b>', "end"]))
    new = store.save(device, processed(["hostname sw-1", "banner motd <script>x</script>", "end"]))
    pages = [
        reverse("backups:version", args=[new.version.pk]),
        reverse("backups:diff", args=[old.version.pk, new.version.pk]),
        reverse("backups:diff", args=[old.version.pk, new.version.pk]) + "?view=unified",
    ]
    for page in pages:
        text = viewer_client.get(page).content.decode()
        assert "<script>x" not in text and "&lt;script&gt;x&lt;/script&gt;" in text
    side = viewer_client.get(pages[1]).content.decode()
    assert '<td class="old">banner motd &lt;b&gt;&quot;hi&quot;&lt;/b&gt;</td>' in side
    assert (
        '<span class="ln">2</span>banner motd &lt;script&gt;'
        in viewer_client.get(pages[0]).content.decode()
    )


def test_any_version_can_be_picked_for_comparison_by_its_number(
    viewer_client: Client, noaccess_client: Client
) -> None:
    device = Device.objects.create(name="sw-1", platform="cisco_ios")
    saved = [
        store.save(device, processed(["version 15.2", f"hostname v{i}", "end"])).version
        for i in range(3)
    ]
    pick = reverse("backups:compare")
    newest = saved[-1].pk
    answer = viewer_client.get(pick, {"new": newest, "old": saved[1].pk, "seq": "1"})
    assert answer.url == reverse("backups:diff", args=[saved[0].pk, newest])
    missing = viewer_client.get(pick, {"new": newest, "seq": "99"}, follow=True)
    assert "This device has no version 99." in missing.content.decode()
    assert missing.redirect_chain[-1][0] == reverse("backups:version", args=[newest])
    assert viewer_client.get(pick, {"new": newest, "seq": "x"}).status_code == 302
    assert noaccess_client.get(pick, {"new": newest, "seq": "1"}).status_code == 403
