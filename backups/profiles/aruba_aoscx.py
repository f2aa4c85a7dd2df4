"""Aruba AOS-CX: `show running-config`."""

from backups.profiles import MASK, Profile

PROFILE = Profile(
    platform="aruba_aoscx",
    label="Aruba AOS-CX",
    commands=("show running-config",),
    volatile=(r"^Current configuration:", r"^!Version ", r"^!export-password:"),
    secrets=(
        (r"^(user \S+ group \S+ password(?: ciphertext)?) \S+", rf"\1 {MASK}"),
        (r"^(snmp-server community) \S+(.*)$", rf"\1 {MASK}\2"),
        (r"^(snmp-server host \S+ .*community) \S+(.*)$", rf"\1 {MASK}\2"),
        (r"(auth-pass(?: ciphertext| plaintext)?) \S+", rf"\1 {MASK}"),
        (r"(priv-pass(?: ciphertext| plaintext)?) \S+", rf"\1 {MASK}"),
        (
            r"^((?:radius|tacacs)-server(?: host \S+)? key(?: ciphertext| plaintext)?) \S+(.*)$",
            rf"\1 {MASK}\2",
        ),
    ),
    arp_command="show arp",
    neighbours_command="show lldp neighbor-info",
)
