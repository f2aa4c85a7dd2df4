"""Huawei VRP: `display current-configuration`, which ends with `return`."""

from backups.profiles import MASK, Profile

PROFILE = Profile(
    platform="huawei_vrp",
    label="Huawei VRP",
    commands=("display current-configuration",),
    ends_with=r"return",
    comment="#",
    errors=(r"^Error: ", r"^\s*\^$"),
    volatile=(
        r"^!Software Version ",
        r"^!Last configuration was (updated|saved) at ",
        r"^\d{4}-\d{2}-\d{2} \d\d:\d\d:\d\d(\.\d{3})? ?(\+\d\d:\d\d)?$",
    ),
    secrets=(
        (r"%\^%#.*?%\^%#", MASK),
        (r"%@%#.*?%@%#", MASK),
        (r"(pin verify(?: auto)?) .*", rf"\1 {MASK}"),
        (r"(cipher|irreversible-cipher) \S+", rf"\1 {MASK}"),
        (r"^(\s*snmp-agent community (?:read|write)(?: cipher)?) \S+(.*)$", rf"\1 {MASK}\2"),
    ),
    version_command="display version",
    arp_command="display arp",
    neighbours_command="display lldp neighbor brief",
)
