"""Cisco ASA: `show running-config`, which ends with `: end`."""

from backups.profiles import MASK, Profile
from backups.profiles._cisco import CISCO_VOLATILE, IOS_SECRETS

PROFILE = Profile(
    platform="cisco_asa",
    label="Cisco ASA",
    commands=("show running-config",),
    ends_with=r": end",
    volatile=(*CISCO_VOLATILE, r"^: Written by \S+ at ", r"^: Saved$", r"^Cryptochecksum:"),
    secrets=(
        *IOS_SECRETS,
        (r"^(enable password) \S+(.*)$", rf"\1 {MASK}\2"),
        (r"^(passwd) \S+(.*)$", rf"\1 {MASK}\2"),
        (r"^(username \S+ password) \S+(.*)$", rf"\1 {MASK}\2"),
        (r"(ldap-login-password) \S+", rf"\1 {MASK}"),
        (r"^(snmp-server host .* community) \S+(.*)$", rf"\1 {MASK}\2"),
        (r"^(failover key) .+$", rf"\1 {MASK}"),
    ),
    arp_command="show arp",
    neighbours_command=None,
)
