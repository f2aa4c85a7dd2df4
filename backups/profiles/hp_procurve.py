"""HPE ProCurve / Aruba AOS-S: `show running-config`."""

from backups.profiles import MASK, Profile

PROFILE = Profile(
    platform="hp_procurve",
    label="HPE ProCurve (AOS-S)",
    commands=("show running-config",),
    volatile=(r"^Running configuration:", r"^; .* Configuration Editor; Created on release"),
    errors=(r"^Invalid input: ",),
    secrets=(
        (r"^(snmp-server community) \S+(.*)$", rf"\1 {MASK}\2"),
        (r"^(snmp-server host \S+) \S+(.*)$", rf"\1 {MASK}\2"),
        (r"^((?:radius|tacacs)-server(?: host \S+)? key) \S+(.*)$", rf"\1 {MASK}\2"),
        (
            r"^(password (?:manager|operator)(?: user-name \S+)?(?: sha1| plaintext)?) \S+",
            rf"\1 {MASK}",
        ),
    ),
    comment=";",
    arp_command="show arp",
    neighbours_command="show lldp info remote-device",
)
