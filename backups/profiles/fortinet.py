"""FortiOS: `show full-configuration` is avoided (huge); `show` prints the changed settings.

FortiOS re-salts every `ENC` value on each read, so those lines are volatile as well
as secret. Never run `config system console / set output standard`: it changes state.
"""

from backups.profiles import MASK, Profile

PROFILE = Profile(
    platform="fortinet",
    label="Fortinet FortiOS",
    commands=("show",),
    ends_with=r"end",
    comment="#",
    errors=(r"^Command fail\. Return code", r"^Unknown action"),
    volatile=(r"^#config-version=", r"^#conf_file_ver=", r"^#buildno=", r"^\s*set \S+ ENC "),
    secrets=(
        (r"^(#private-encryption-key=).+$", rf"\1{MASK}"),
        (r"(set \S+ ENC) \S+", rf"\1 {MASK}"),
        (
            r"(set \S*(?:secret|passwd|password|psksecret|key|md5-key(?: \d+)?|auth-pwd"
            r"|passphrase))"
            r" (?!ENC )(?!<secret).+",
            rf"\1 {MASK}",
        ),
    ),
    secret_sections=(
        (r"^config system snmp community$", r"^end$", r"^(\s*set name) .+$", rf'\1 "{MASK}"'),
    ),
    version_command="get system status",
    arp_command="get system arp",
    neighbours_command=None,
)
