"""Palo Alto PAN-OS: `show config running` in the default XML-like format."""

from backups.profiles import MASK, Profile

PROFILE = Profile(
    platform="paloalto_panos",
    label="Palo Alto PAN-OS",
    commands=("show config running",),
    ends_with=r"\s*\}",
    balanced=True,
    comment="#",
    errors=(r"^Invalid syntax\.", r"^Unknown command: "),
    volatile=(r"^\s*(up)?time: ",),
    secrets=(
        (
            r"^(\s*(?:phash|password|key|secret|pre-shared-key|auth-password|priv-password|"
            r"authpwd|privpwd|community|snmp-community-string)) \S+;",
            rf"\1 {MASK};",
        ),
        (r"^(\s*private-key) \S+;", rf"\1 {MASK};"),
    ),
    version_command="show system info",
    arp_command="show arp all",
    neighbours_command="show lldp neighbors all",
)
