"""Platform profiles: how to read a device's configuration and what in it to mask or ignore.

One module per platform (named for its Netmiko ``device_type``) defines ``PROFILE``.
A profile is data, not code: the read-only commands that print the configuration,
how to tell that the output is complete, which lines are volatile (they change
on every fetch, such as clocks and counters, and are kept out of the comparison)
and which parts are secrets (masked before anything is stored). ``process()``
turns raw command output into what the store keeps.

Never add a command that changes device state (FortiOS's ``set output standard``,
``write memory``): a backup must be safe to run against production at any time.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

MASK = "<secret hidden>"

# Pager prompts that mean the device is waiting for a key: the output stopped early.
PAGER = re.compile(
    r"(--\s?More\s?--|<--- More --->|---\(more( \d+%)?\)---|Press any key to continue"
    r"|-- MORE --, next page|\(END\)$)",
    re.IGNORECASE | re.MULTILINE,
)
# Errors that every platform prints for a command it did not accept.
COMMON_ERRORS = (
    r"^% ?Invalid (input|command)",
    r"^% ?(Incomplete|Ambiguous|Unknown) command",
    r"^% ?Authorization failed",
    r"^\s*\^\s*$",
    r"^syntax error",
    r"^error: ",
    r"^Command fail",
    r"^Unrecognized command",
    r"^Permission denied",
)


class IncompleteOutput(ValueError):
    """The device's output is truncated, an error, or stopped at a pager prompt."""


@dataclass(frozen=True)
class Profile:
    """What Netkeep knows about reading one platform's configuration."""

    platform: str
    label: str
    commands: tuple[str, ...]
    # The configuration is complete only if its last non-blank line matches this.
    ends_with: str | None = None
    # A configuration shorter than this many non-blank lines is not believed.
    min_lines: int = 3
    errors: tuple[str, ...] = ()
    volatile: tuple[str, ...] = ()
    # (pattern, replacement): the replacement keeps the key word and masks the value.
    secrets: tuple[tuple[str, str], ...] = ()
    # Secrets that only the section around them reveals: (section start, section end,
    # line pattern, replacement), e.g. FortiOS's SNMP community is a plain `set name`.
    secret_sections: tuple[tuple[str, str, str, str], ...] = ()
    # Brace-structured configurations (Junos, PAN-OS) are complete when braces balance.
    balanced: bool = False
    # Lines the device prints around the configuration that are not part of it.
    strip: tuple[str, ...] = ()
    # Commands whose output feeds device facts; parsed with ntc-templates when one exists.
    version_command: str | None = "show version"
    arp_command: str | None = None
    neighbours_command: str | None = None
    comment: str = "!"

    @property
    def error_re(self) -> re.Pattern[str]:
        return _any_line(self.errors + COMMON_ERRORS)

    @property
    def volatile_re(self) -> re.Pattern[str] | None:
        return _any_line(self.volatile) if self.volatile else None

    @property
    def strip_re(self) -> re.Pattern[str] | None:
        return _any_line(self.strip) if self.strip else None

    @property
    def secret_res(self) -> tuple[tuple[re.Pattern[str], str], ...]:
        return _secret_patterns(self.secrets)

    @property
    def secret_any(self) -> re.Pattern[str] | None:
        """All secret patterns in one: most lines hold no secret and are passed over at once."""
        return _any_line(tuple(p for p, _ in self.secrets)) if self.secrets else None

    def check_complete(self, output: str) -> None:
        """Raise IncompleteOutput unless `output` is a whole configuration."""
        check_complete(self, output)

    def is_volatile(self, line: str) -> bool:
        pattern = self.volatile_re
        return bool(pattern and pattern.search(line))


@cache
def _any_line(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.MULTILINE)


@cache
def _secret_patterns(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p, re.MULTILINE), r) for p, r in pairs)


@dataclass(frozen=True)
class Processed:
    """A configuration ready to store: masked lines, the secrets taken out, the comparison hash."""

    lines: tuple[str, ...]
    # Line index -> the line as the device printed it, for every line that was masked.
    # The store keeps these encrypted; nothing else ever sees them.
    originals: dict[int, str]
    digest: str  # decides "changed": volatile lines do not count, secrets do (keyed)

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    @property
    def masked(self) -> int:
        return len(self.originals)


PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY-----")


def check_complete(profile: Profile, output: str) -> None:
    if not output.strip():
        raise IncompleteOutput("the device returned no output")
    pager = PAGER.search(output)
    if pager:
        raise IncompleteOutput(f"the output stopped at a pager prompt ({pager.group(0).strip()!r})")
    error = profile.error_re.search(output)
    if error:
        raise IncompleteOutput(f"the device answered with an error: {error.group(0).strip()!r}")
    lines = [line for line in output.splitlines() if line.strip()]
    if len(lines) < profile.min_lines:
        raise IncompleteOutput(
            f"the output has {len(lines)} line(s); a configuration has at least {profile.min_lines}"
        )
    if profile.balanced and output.count("{") != output.count("}"):
        raise IncompleteOutput(
            f"the output is truncated: {output.count('{')} opening braces but "
            f"{output.count('}')} closing ones"
        )
    if profile.ends_with and not re.fullmatch(profile.ends_with, lines[-1].rstrip()):
        raise IncompleteOutput(
            f"the output is truncated: it ends with {lines[-1].strip()[:60]!r}, "
            f"not with the platform's closing line"
        )


def mask_lines(
    profile: Profile, lines: Sequence[str], known: Iterable[str] = ()
) -> tuple[list[str], dict[int, str]]:
    """Mask secrets line by line; also any known secret (a credential) printed verbatim.

    A private key block is masked whole, from its BEGIN line to its END line.
    """
    secrets = sorted({s for s in known if s and len(s) >= 4}, key=len, reverse=True)
    out: list[str] = []
    originals: dict[int, str] = {}
    in_key = False
    quick = profile.secret_any
    section: tuple[re.Pattern[str], re.Pattern[str], str] | None = None
    sections = [
        (re.compile(a), re.compile(b), re.compile(c), d) for a, b, c, d in profile.secret_sections
    ]
    for index, line in enumerate(lines):
        masked = line
        if section is not None and section[0].search(line):
            section = None
        for start, end, pattern_in, replacement_in in sections:
            if start.search(line):
                section = (end, pattern_in, replacement_in)
        if in_key or ("-----BEGIN" in line and PEM_BEGIN.search(line)):
            in_key = not PEM_END.search(line)
            masked = MASK
        elif quick is not None and quick.search(line):
            for pattern, replacement in profile.secret_res:
                masked = pattern.sub(replacement, masked)
        if section is not None and not in_key:
            masked = section[1].sub(section[2], masked)
        for secret in secrets:
            if secret in masked:
                masked = masked.replace(secret, MASK)
        if masked != line:
            originals[index] = line
        out.append(masked)
    return out, originals


def process(
    profile: Profile, outputs: Sequence[str], known_secrets: Iterable[str] = ()
) -> Processed:
    """Check, clean, mask and hash the outputs of the profile's commands."""
    for output in outputs:
        check_complete(profile, output)
    text = "\n".join(output.replace("\r\n", "\n").replace("\r", "") for output in outputs)
    if profile.strip_re is not None:
        text = profile.strip_re.sub("", text)
    raw = [line.rstrip() for line in text.strip("\n").split("\n")]
    lines, originals = mask_lines(profile, raw, known_secrets)
    return Processed(
        lines=tuple(lines), originals=originals, digest=compare_digest(profile, lines, originals)
    )


def compare_digest(profile: Profile, lines: Sequence[str], originals: dict[int, str]) -> str:
    """The hash that decides "changed": volatile lines do not count.

    A changed secret is a change too, so the unmasked text of masked lines is mixed in
    through an HMAC (a plain hash of a short secret could be brute-forced from the
    database).
    """
    h = hashlib.sha256()
    for line in lines:
        if not profile.is_volatile(line):
            h.update(line.encode())
            h.update(b"\n")
    kept = [originals[i] for i in sorted(originals) if not profile.is_volatile(lines[i])]
    if kept:
        h.update(hmac.new(_digest_key(), "\n".join(kept).encode(), "sha256").digest())
    return h.hexdigest()


def _digest_key() -> bytes:
    from django.conf import settings

    return hashlib.sha256(b"netkeep-backups-digest:" + settings.SECRET_KEY.encode()).digest()


PLATFORMS = (
    "cisco_ios",
    "cisco_xe",
    "cisco_nxos",
    "cisco_xr",
    "cisco_asa",
    "arista_eos",
    "juniper_junos",
    "fortinet",
    "aruba_aoscx",
    "hp_procurve",
    "hp_comware",
    "mikrotik_routeros",
    "paloalto_panos",
    "huawei_vrp",
    "vyos",
    "ubiquiti_edgerouter",
    "linux",
)


@cache
def get(platform: str) -> Profile:
    """The profile for a Netmiko device_type; KeyError names the supported ones."""
    if platform not in PLATFORMS:
        raise KeyError(
            f"no backup profile for platform {platform!r}; supported: {', '.join(PLATFORMS)}"
        )
    module = importlib.import_module(f"backups.profiles.{platform}")
    profile: Profile = module.PROFILE
    return profile


def all_profiles() -> list[Profile]:
    return [get(p) for p in PLATFORMS]
