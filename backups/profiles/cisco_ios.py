"""Cisco IOS: `show running-config`, which ends with `end`."""

from backups.profiles import Profile
from backups.profiles._cisco import CISCO_VOLATILE, IOS_SECRETS

PROFILE = Profile(
    platform="cisco_ios",
    label="Cisco IOS",
    commands=("show running-config",),
    ends_with=r"end",
    volatile=CISCO_VOLATILE,
    secrets=IOS_SECRETS,
    arp_command="show ip arp",
    neighbours_command="show cdp neighbors detail",
)
