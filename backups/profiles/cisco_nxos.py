"""Cisco NX-OS: `show running-config`; the `!Time:` header changes on every fetch."""

from backups.profiles import MASK, Profile
from backups.profiles._cisco import CISCO_VOLATILE, IOS_SECRETS

PROFILE = Profile(
    platform="cisco_nxos",
    label="Cisco NX-OS",
    commands=("show running-config",),
    volatile=CISCO_VOLATILE,
    secrets=(
        *IOS_SECRETS,
        (r"(password \d+) \S+", rf"\1 {MASK}"),
    ),
    arp_command="show ip arp",
    neighbours_command="show cdp neighbors detail",
)
