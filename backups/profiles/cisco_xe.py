"""Cisco IOS-XE: as IOS."""

from backups.profiles import Profile
from backups.profiles._cisco import CISCO_VOLATILE, IOS_SECRETS

PROFILE = Profile(
    platform="cisco_xe",
    label="Cisco IOS-XE",
    commands=("show running-config",),
    ends_with=r"end",
    volatile=CISCO_VOLATILE,
    secrets=IOS_SECRETS,
    arp_command="show ip arp",
    neighbours_command="show cdp neighbors detail",
)
