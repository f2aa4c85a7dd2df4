"""MikroTik RouterOS: `/export terse` (secrets are hidden unless `show-sensitive` is asked for)."""

from backups.profiles import MASK, Profile

PROFILE = Profile(
    platform="mikrotik_routeros",
    label="MikroTik RouterOS",
    commands=("/export terse",),
    comment="#",
    errors=(r"^bad command name", r"^expected end of command", r"^syntax error"),
    volatile=(
        r"^# \w{3}/\d{2}/\d{4} \d\d:\d\d:\d\d by RouterOS",
        r"^# \d{4}-\d{2}-\d{2} \d\d:\d\d:\d\d by RouterOS",
        r"^# software id = ",
        r"^# inactive time$",
        r"^# \S+ not ready$",
    ),
    secrets=(
        (
            r"((?:password|secret|authentication-key|wpa2?-pre-shared-key|private-key|passphrase)=)"
            r'("[^"]*"|\S+)',
            rf"\1{MASK}",
        ),
    ),
    version_command="/system resource print",
    arp_command="/ip arp print terse",
    neighbours_command="/ip neighbor print terse",
)
