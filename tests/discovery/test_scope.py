"""Scope: what may be scanned, and the words used to refuse the rest."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from discovery.scope import (
    EMPTY_ALLOWLIST_HINT,
    ScopeError,
    check_scope,
    parse_allowlist,
    parse_network,
    sweep_addresses,
)

ALLOWED = [ip_network("198.18.0.0/15"), ip_network("2001:2::/48")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("198.18.0.0/24", "198.18.0.0/24"),
        ("198.18.0.7", "198.18.0.7/32"),
        ("2001:0002:0000::/48", "2001:2::/48"),
        ("2001:2::A/128", "2001:2::a/128"),
        (" 198.18.0.0/24\n", "198.18.0.0/24"),  # surrounding whitespace, as every door drops it
    ],
)
def test_it_parses_and_canonicalises_networks(text: str, expected: str) -> None:
    assert str(parse_network(text)) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("198.18.0.1/24", "has host bits set: the network is 198.18.0.0/24"),
        ("198.18.0.0/33", "the prefix length must be 0–32"),
        ("2001:2::/129", "the prefix length must be 0–128"),
        ("198.18.0.0/", "the prefix length must be 0–32"),
        ("198.18.0.0/x", "the prefix length must be 0–32"),
        ("198.18.0.0/024", "has a leading zero in the prefix length: write 198.18.0.0/24."),
        ("198.18.0.0 /24", "has spaces in it: write the network without spaces."),
        ("198.018.0.0/16", "has a leading zero in an octet: write 198.18.0.0/16."),
        ("198.18.0.256/32", "is not an IPv4 or IPv6 address"),
        ("example.com/24", "is not an IPv4 or IPv6 address"),
        ("", "Enter a network such as 192.0.2.0/24"),
    ],
)
def test_it_refuses_malformed_networks_saying_what_to_fix(text: str, words: str) -> None:
    with pytest.raises(ScopeError) as caught:
        parse_network(text)
    assert words in str(caught.value)


def test_scope_errors_are_value_errors_so_forms_can_show_them() -> None:
    assert issubclass(ScopeError, ValueError)


def test_the_allowlist_setting_is_parsed_strictly() -> None:
    assert parse_allowlist(["198.18.0.0/15", "2001:2::/48"]) == ALLOWED
    with pytest.raises(ScopeError):
        parse_allowlist(["198.18.0.1/15"])


@pytest.mark.parametrize(
    "target",
    [
        ip_network("198.18.0.0/24"),
        ip_network("198.19.0.0/16"),
        ip_address("198.18.3.4"),
        ip_network("2001:2::/120"),
        ip_address("2001:2::1"),
    ],
)
def test_targets_inside_the_allowlist_pass(target: object) -> None:
    check_scope(target, ALLOWED)  # type: ignore[arg-type]


def test_an_empty_allowlist_says_where_to_add_networks() -> None:
    with pytest.raises(ScopeError) as caught:
        check_scope(ip_network("198.18.0.0/24"), [])
    assert EMPTY_ALLOWLIST_HINT in str(caught.value)
    assert "SCAN_ALLOWED_NETWORKS" in str(caught.value)


def test_a_target_outside_the_allowlist_is_refused_with_the_list() -> None:
    with pytest.raises(ScopeError) as caught:
        check_scope(ip_network("192.0.2.0/24"), ALLOWED)
    assert "outside the networks allowed" in str(caught.value)
    assert "198.18.0.0/15" in str(caught.value)


def test_a_network_only_partly_inside_the_allowlist_is_refused() -> None:
    with pytest.raises(ScopeError, match="outside"):
        check_scope(ip_network("198.18.0.0/24"), [ip_network("198.18.0.0/25")])


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (ip_address("127.0.0.1"), "loopback"),
        (ip_network("127.0.0.0/16"), "loopback"),
        (ip_address("::1"), "loopback"),
        (ip_network("169.254.0.0/16"), "link-local"),
        (ip_address("fe80::1"), "link-local"),
        (ip_network("224.0.0.0/24"), "multicast"),
        (ip_address("ff02::1"), "multicast"),
        (ip_address("0.0.0.0"), "unspecified"),
        (ip_address("::"), "unspecified"),
        (ip_address("255.255.255.255"), "broadcast"),
        (ip_network("240.0.0.0/16"), "reserved"),
    ],
)
def test_special_ranges_are_refused_even_when_allowed(target: object, words: str) -> None:
    everything = [ip_network("0.0.0.0/0"), ip_network("::/0")]
    with pytest.raises(ScopeError) as caught:
        check_scope(target, everything)  # type: ignore[arg-type]
    assert words in str(caught.value)
    assert "never scanned" in str(caught.value)


def test_an_ipv4_range_larger_than_the_limit_is_refused() -> None:
    with pytest.raises(ScopeError, match="split it into /16 networks"):
        check_scope(ip_network("198.18.0.0/15"), ALLOWED)
    check_scope(ip_network("198.18.0.0/15"), ALLOWED, max_ipv4_prefix=15)


def test_an_ipv6_64_is_never_swept() -> None:
    with pytest.raises(ScopeError, match="an IPv6 /64 never is"):
        check_scope(ip_network("2001:2::/64"), ALLOWED)
    with pytest.raises(ScopeError, match="too large to sweep"):
        check_scope(ip_network("2001:2::/119"), ALLOWED)


def test_loopback_is_allowed_only_with_the_test_flag() -> None:
    with pytest.raises(ScopeError):
        check_scope(ip_address("127.0.0.1"), [])
    check_scope(ip_address("127.0.0.1"), [], loopback_ok=True)
    with pytest.raises(ScopeError, match="link-local"):
        check_scope(ip_address("169.254.1.1"), [], loopback_ok=True)


def test_text_targets_are_refused_so_they_are_parsed_first() -> None:
    with pytest.raises(TypeError, match="parse_network"):
        check_scope("198.18.0.0/24", ALLOWED)  # type: ignore[arg-type]


def test_a_sweep_covers_hosts_but_not_network_and_broadcast() -> None:
    addresses = [str(a) for a in sweep_addresses(ip_network("198.18.0.0/30"))]
    assert addresses == ["198.18.0.1", "198.18.0.2"]
    assert [str(a) for a in sweep_addresses(ip_network("198.18.0.9/32"))] == ["198.18.0.9"]
    assert len(list(sweep_addresses(ip_network("198.18.0.0/16")))) == 65534
