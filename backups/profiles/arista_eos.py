"""Arista EOS: `show running-config`, which ends with `end`."""

from backups.profiles import MASK, Profile
from backups.profiles._cisco import CISCO_VOLATILE, IOS_SECRETS

PROFILE = Profile(
    platform="arista_eos",
    label="Arista EOS",
    commands=("show running-config",),
    ends_with=r"end",
    volatile=CISCO_VOLATILE,
    secrets=(
        *IOS_SECRETS,
        (r"(secret (?:sha512|\d+)) \S+", rf"\1 {MASK}"),
        (r"^(\s*service unsupported-transceiver) .+$", rf"\1 {MASK}"),
        (
            r"(localized \S+ auth (?:md5|sha\d{0,3})) \S+( priv (?:des|aes\d{0,3})) \S+",
            rf"\1 {MASK}\2 {MASK}",
        ),
    ),
    arp_command="show ip arp",
    neighbours_command="show lldp neighbors",
)
