"""The lab itself: isolated from the world, hosts that answer, namespaces per thread."""

from __future__ import annotations

import os
import subprocess
import threading

import pytest

from tests.lab.netns import Lab, LabNotIsolated

pytestmark = pytest.mark.lab


def test_the_scanner_has_no_path_off_the_machine(lab: Lab) -> None:
    lab.verify_isolated()
    for family, probe in (("-4", "192.0.2.1"), ("-6", "2001:db8::1")):
        result = lab.exec(["ip", family, "route", "get", probe])
        assert result.returncode != 0
        assert "Network is unreachable" in result.stderr
    assert lab.exec(["ip", "route", "show", "default"]).stdout.strip() == ""


def test_isolation_check_refuses_a_default_route(lab: Lab) -> None:
    # A default route into the blackholed hosts namespace: still harmless, but the
    # check must notice it and refuse.
    add = ["ip", "-n", lab.scanner_ns, "route", "add", "default", "via", "198.19.255.2"]
    subprocess.run(add, check=True)
    try:
        with pytest.raises(LabNotIsolated, match="default route"):
            lab.verify_isolated()
    finally:
        subprocess.run(["ip", "-n", lab.scanner_ns, "route", "del", "default"], check=True)
    lab.verify_isolated()


def test_the_root_namespace_gets_no_lab_interface(lab: Lab) -> None:
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert lab.scan_if not in links
    assert lab.hosts_if not in links
    assert lab.exec(["ip", "-o", "link"]).stdout.count(lab.scan_if) == 1


def test_enter_moves_only_this_thread_and_comes_back(lab: Lab) -> None:
    before = os.stat("/proc/thread-self/ns/net").st_ino
    seen: dict[str, int] = {}
    with lab.enter():
        inside = os.stat("/proc/thread-self/ns/net").st_ino
        other = threading.Thread(
            target=lambda: seen.setdefault("child", os.stat("/proc/thread-self/ns/net").st_ino)
        )
        other.start()
        other.join()
    assert inside != before
    assert seen["child"] == inside  # threads started inside inherit the lab
    assert os.stat("/proc/thread-self/ns/net").st_ino == before


def test_exec_passes_the_environment_through(lab: Lab) -> None:
    os.environ["NETKEEP_LAB_PROBE"] = "outer"
    try:
        result = lab.exec(["sh", "-c", 'echo "$NETKEEP_LAB_PROBE $EXTRA"'], env={"EXTRA": "added"})
    finally:
        del os.environ["NETKEEP_LAB_PROBE"]
    assert result.stdout.strip() == "outer added"


def test_background_processes_are_tracked_and_stopped(lab: Lab) -> None:
    process = lab.exec(["sleep", "60"], background=True)
    assert isinstance(process, subprocess.Popen)
    assert process.poll() is None
    lab.stop(process)
    assert process.poll() is not None
