"""HPE Comware: `display current-configuration`, which ends with `return`."""

from backups.profiles import MASK, Profile

PROFILE = Profile(
    platform="hp_comware",
    label="HPE Comware",
    commands=("display current-configuration",),
    ends_with=r"return",
    comment="#",
    errors=(r"^\s*% (Unrecognized|Incomplete|Wrong parameter)",),
    volatile=(r"^ ?version \d+\.\d+.*Release",),
    secrets=(
        (
            r"^(\s*snmp-agent community(?: read| write)?(?: simple| cipher)?) \S+(.*)$",
            rf"\1 {MASK}\2",
        ),
        (r"(password (?:hash|cipher|simple)) \S+", rf"\1 {MASK}"),
        (r"(key (?:authentication |accounting )?(?:cipher|simple)) \S+", rf"\1 {MASK}"),
        (r"(authentication-mode (?:md5|sha) (?:cipher )?)\S+", rf"\1{MASK}"),
        (r"(privacy-mode \S+ (?:cipher )?)\S+", rf"\1{MASK}"),
    ),
    version_command="display version",
    arp_command="display arp",
    neighbours_command="display lldp neighbor-information list",
)
