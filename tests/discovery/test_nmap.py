"""Nmap: profiles from a fixed vocabulary, injection refused before any process, XML parsing."""

from __future__ import annotations

import subprocess
from ipaddress import ip_address, ip_network
from pathlib import Path

import pytest

from discovery import nmap
from discovery.nmap import (
    BUILTIN_PROFILES,
    NmapFailed,
    NmapNotFound,
    NmapTimeout,
    ScanProfile,
    UnknownProfile,
    build_argv,
    get_profile,
    parse_xml,
    run_scan,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "nmap"
HOST = ip_address("198.18.0.10")


@pytest.fixture
def no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to start a process."""

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail(f"a process was started: {args!r}")

    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)


def test_the_quick_profile_is_top_100_tcp_connect_without_dns_or_ping() -> None:
    argv = build_argv(get_profile("quick"), [HOST])
    assert argv[0] == "nmap"
    for option in ("-sT", "-Pn", "-n"):
        assert option in argv
    assert argv[argv.index("--top-ports") + 1] == "100"
    assert "-sV" not in argv
    assert argv[-3:] == ["-oX", "-", "198.18.0.10"]


def test_the_standard_profile_adds_service_detection_on_1000_ports() -> None:
    argv = build_argv(get_profile("standard"), [HOST])
    assert argv[argv.index("--top-ports") + 1] == "1000"
    assert "-sV" in argv


def test_every_argv_has_no_dns_xml_on_stdout_and_a_host_timeout() -> None:
    for profile in BUILTIN_PROFILES.values():
        argv = build_argv(profile, [HOST])
        assert "-n" in argv
        assert argv[argv.index("-oX") + 1] == "-"
        assert argv[argv.index("--host-timeout") + 1] == f"{profile.host_timeout_s}s"


def test_networks_and_ipv6_targets_are_rendered_canonically() -> None:
    argv = build_argv(get_profile("quick"), [ip_network("198.18.0.0/24"), HOST])
    assert argv[-2:] == ["198.18.0.0/24", "198.18.0.10"]
    argv6 = build_argv(get_profile("quick"), [ip_address("2001:0002::000a")])
    assert "-6" in argv6
    assert argv6[-1] == "2001:2::a"


def test_mixed_ip_versions_are_refused() -> None:
    with pytest.raises(ValueError, match="separate runs"):
        build_argv(get_profile("quick"), [HOST, ip_address("2001:2::a")])


@pytest.mark.parametrize(
    "target",
    [
        "10.0.0.1 -iL /etc/passwd",
        "--script=http-shellshock",
        "-oN /tmp/x",
        ";id",
        "198.18.0.10",
        b"198.18.0.1",
    ],
)
def test_text_targets_are_refused_before_any_process_starts(
    no_process: None, target: object
) -> None:
    with pytest.raises(TypeError, match="ipaddress objects"):
        run_scan(get_profile("quick"), [target], timeout_s=5)  # type: ignore[list-item]


def test_a_single_string_of_targets_is_refused(no_process: None) -> None:
    with pytest.raises(TypeError):
        run_scan(get_profile("quick"), "198.18.0.10", timeout_s=5)  # type: ignore[arg-type]


def test_no_targets_is_refused(no_process: None) -> None:
    with pytest.raises(ValueError, match="at least one target"):
        run_scan(get_profile("quick"), [], timeout_s=5)


@pytest.mark.parametrize("name", ["aggressive", "quick --script=vuln", "", "../standard", "QUICK"])
def test_unknown_profile_names_are_refused_before_any_process_starts(
    no_process: None, name: str
) -> None:
    with pytest.raises(UnknownProfile, match="choose one of quick, standard"):
        get_profile(name)


def test_admin_profiles_are_found_by_name() -> None:
    custom = ScanProfile.build("web", ports=[80, 443], service_detection=True, timing=3)
    assert get_profile("web", extra={"web": custom}) is custom


@pytest.mark.parametrize(
    "args",
    [
        ("-sT", "--script=vuln"),
        ("-sT", "-iL", "/etc/passwd"),
        ("-oN", "/tmp/x"),
        ("-sT", ";id"),
        ("-sT", "-p 22"),
    ],
)
def test_a_hand_made_profile_with_other_options_is_refused(
    no_process: None, args: tuple[str, ...]
) -> None:
    evil = ScanProfile(name="evil", label="Evil", args=args)
    with pytest.raises(ValueError, match="not allowed"):
        run_scan(evil, [HOST], timeout_s=5)


def test_profiles_are_built_from_the_allowed_vocabulary() -> None:
    profile = ScanProfile.build(
        "web", ports=[443, 80, 80], service_detection=False, timing=3, udp=True, host_timeout_s=30
    )
    assert profile.args == ("-sT", "-sU", "-p", "T:80,443,U:80,443", "-T3", "-Pn")
    argv = build_argv(profile, [HOST])
    assert argv[argv.index("--host-timeout") + 1] == "30s"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"ports": [0]}, "not a port"),
        ({"ports": [65536]}, "not a port"),
        ({"ports": ["22"]}, "not a port"),
        ({"ports": []}, "at least one port"),
        ({"ports": "top10"}, "top100"),
        ({"ports": "22,80"}, "top100"),
        ({"timing": 6}, "0 to 5"),
        ({"timing": "4"}, "0 to 5"),
        ({"host_timeout_s": 0}, "1–86400"),
    ],
)
def test_choices_outside_the_vocabulary_are_refused(kwargs: dict[str, object], words: str) -> None:
    choices: dict[str, object] = {"ports": "top100", "service_detection": False, "timing": 4}
    choices.update(kwargs)
    with pytest.raises(ValueError, match=words):
        ScanProfile.build("custom", **choices)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["Quick", "-quick", "a b", "x" * 51, "quick;id"])
def test_profile_names_are_slugs(name: str) -> None:
    with pytest.raises(ValueError, match="not a valid profile name"):
        ScanProfile.build(name, ports="top100", service_detection=False, timing=4)


def test_a_missing_nmap_binary_is_reported_clearly(
    monkeypatch: pytest.MonkeyPatch, no_process: None
) -> None:
    monkeypatch.setattr(nmap.shutil, "which", lambda name: None)
    with pytest.raises(NmapNotFound, match="install Nmap"):
        run_scan(get_profile("quick"), [HOST], timeout_s=5)


def test_a_scan_past_its_time_limit_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(argv: list[str], **kwargs: object) -> None:
        raise subprocess.TimeoutExpired(argv, 5)

    monkeypatch.setattr(nmap.shutil, "which", lambda name: "/usr/bin/nmap")
    monkeypatch.setattr(subprocess, "run", slow)
    with pytest.raises(NmapTimeout, match="within 5 s"):
        run_scan(get_profile("quick"), [HOST], timeout_s=5)


def test_the_argv_runs_as_a_list_without_a_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        seen["argv"], seen["kwargs"] = argv, kwargs
        return subprocess.CompletedProcess(argv, 0, (DATA / "quick-lab.xml").read_text(), "")

    monkeypatch.setattr(nmap.shutil, "which", lambda name: "/usr/bin/nmap")
    monkeypatch.setattr(subprocess, "run", fake_run)
    result = run_scan(get_profile("quick"), [HOST], timeout_s=7)
    assert seen["argv"] == ["/usr/bin/nmap", *build_argv(get_profile("quick"), [HOST])[1:]]
    assert seen["kwargs"]["shell"] is False  # type: ignore[index]
    assert seen["kwargs"]["timeout"] == 7  # type: ignore[index]
    assert result.command == seen["argv"]


def test_a_failing_nmap_reports_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nmap.shutil, "which", lambda name: "/usr/bin/nmap")
    monkeypatch.setattr(
        subprocess,
        "run",
        lambda argv, **kw: subprocess.CompletedProcess(argv, 1, "", "Failed to resolve"),
    )
    with pytest.raises(NmapFailed, match="status 1: Failed to resolve"):
        run_scan(get_profile("quick"), [HOST], timeout_s=5)


def open_ports(xml_name: str) -> dict[str, set[int]]:
    result = parse_xml((DATA / xml_name).read_text())
    return {h.address: {p.port for p in h.open_ports} for h in result.hosts}


def test_it_parses_a_recorded_quick_scan() -> None:
    result = parse_xml((DATA / "quick-lab.xml").read_text())
    assert open_ports("quick-lab.xml") == {
        "198.18.0.10": {22, 80},
        "198.18.0.11": {443, 8080},
        "198.18.0.12": {8000},
        "198.18.0.4": set(),
    }
    assert all(h.state == "up" for h in result.hosts)
    assert result.command[:2] == ["nmap", "-sT"]
    assert result.elapsed_s > 0


def test_it_parses_services_products_and_versions() -> None:
    result = parse_xml((DATA / "standard-lab.xml").read_text())
    ports = {(p.address, p.port): p for h in result.hosts for p in h.ports}
    ssh = ports[("198.18.0.10", 22)]
    assert (ssh.protocol, ssh.state, ssh.service, ssh.product) == ("tcp", "open", "ssh", "OpenSSH")
    assert ssh.version.startswith("9.2p1")
    http = ports[("198.18.0.12", 8000)]
    assert (http.service, http.product) == ("http", "SimpleHTTPServer")
    assert ports[("198.18.0.11", 443)].product == ""


def test_it_parses_ipv6_hosts() -> None:
    assert open_ports("quick-v6-lab.xml") == {"2001:2::a": {22}, "2001:2::dead": set()}


@pytest.mark.parametrize("text", ["", "not xml", "<html></html>"])
def test_output_that_is_not_nmap_xml_is_an_error(text: str) -> None:
    with pytest.raises(NmapFailed):
        parse_xml(text)


def test_the_report_says_which_ports_were_scanned_and_whether_services_were_probed() -> None:
    quick = nmap.parse_xml((DATA / "quick-lab.xml").read_text())
    standard = nmap.parse_xml((DATA / "standard-lab.xml").read_text())
    assert len(quick.scanned["tcp"]) == 100
    assert {21, 22, 80, 443, 8080} <= quick.scanned["tcp"]
    assert 12345 not in quick.scanned["tcp"]
    assert len(standard.scanned["tcp"]) == 1000
    assert (quick.service_detection, standard.service_detection) == (False, True)


def test_nmap_port_ranges_are_expanded() -> None:
    assert nmap.parse_port_ranges("7,9,13,21-23") == {7, 9, 13, 21, 22, 23}
    assert nmap.parse_port_ranges("") == frozenset()
    with pytest.raises(nmap.NmapFailed):
        nmap.parse_port_ranges("1-x")
