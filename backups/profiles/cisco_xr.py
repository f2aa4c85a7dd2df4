"""Cisco IOS-XR: `show running-config`, which starts with a timestamp line and ends with `end`."""

from backups.profiles import MASK, Profile
from backups.profiles._cisco import CISCO_VOLATILE, IOS_SECRETS

PROFILE = Profile(
    platform="cisco_xr",
    label="Cisco IOS-XR",
    commands=("show running-config",),
    ends_with=r"end",
    volatile=(
        *CISCO_VOLATILE,
        r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ",
        r"^!! Last configuration change at ",
    ),
    secrets=(*IOS_SECRETS, (r"(secret \d+) \S+", rf"\1 {MASK}")),
    arp_command="show arp",
    neighbours_command="show cdp neighbors detail",
)
