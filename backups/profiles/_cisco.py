"""Patterns shared by the IOS family (IOS, IOS-XE, NX-OS, IOS-XR, ASA, EOS, AOS-CX, ProCurve)."""

from backups.profiles import MASK

# Each pattern keeps what names the setting and masks its value.
IOS_SECRETS: tuple[tuple[str, str], ...] = (
    (r"^(snmp-server community) \S+(.*)$", rf"\1 {MASK}\2"),
    (
        r"^(snmp-server host \S+(?: vrf \S+)?(?: informs?| traps?)?(?: version (?:1|2c))?)"
        r" \S+(.*)$",
        rf"\1 {MASK}\2",
    ),
    # SNMPv3 users: the value after "auth <algorithm>" and after "priv <cipher> [bits]".
    (r"^(snmp-server user .*\bauth (?:md5|sha\S*)) \S+", rf"\1 {MASK}"),
    (
        r"^(snmp-server user .*\bpriv(?: (?:des\S*|3des|aes(?:-\d+)?)(?: \d+)?)?) (?!<secret)\S+",
        rf"\1 {MASK}",
    ),
    (r"^(username \S+(?: privilege \d+)? (?:password|secret)(?: \d+)?) \S+(.*)$", rf"\1 {MASK}\2"),
    (r"^(enable (?:password|secret)(?: level \d+)?(?: \d+)?) \S+$", rf"\1 {MASK}"),
    (r"^(\s+(?:password|secret)(?: \d+)?) \S+$", rf"\1 {MASK}"),
    (r"^(.*wpa-psk ascii \d) \S+", rf"\1 {MASK}"),
    (r"^((?:tacacs|radius)-server(?: host \S+)?.* key(?: \d+)?) \S+(.*)$", rf"\1 {MASK}\2"),
    (r"^(\s+key(?: [0-9])?) (?=\S*[^\d\s])\S+$", rf"\1 {MASK}"),
    (r"^(\s+key-string(?: \d+)?) .+$", rf"\1 {MASK}"),
    (r"^(crypto isakmp key) \S+(.*)$", rf"\1 {MASK}\2"),
    (
        r"^(\s*(?:ikev[12] )?(?:(?:remote|local)-authentication )?"
        r"pre-shared-key(?: \d+| hex| local| remote)?) \S+(.*)$",
        rf"\1 {MASK}\2",
    ),
    (
        r"^(\s+(?:ip ospf )?message-digest-key \d+ md5(?: \d+| encrypted| clear)?) \S+$",
        rf"\1 {MASK}",
    ),
    (r"^(\s+ip ospf authentication-key(?: \d+)?) \S+$", rf"\1 {MASK}"),
    (r"^(\s+neighbor \S+ password(?: \d+)?) \S+$", rf"\1 {MASK}"),
    (
        r"^(\s+standby \d+ authentication(?: md5 key-string(?: \d+)?| text)?) \S+(.*)$",
        rf"\1 {MASK}\2",
    ),
    (r"^(\s+vrrp \d+ authentication text) \S+$", rf"\1 {MASK}"),
    (
        r"^(\s+ppp (?:chap|pap) (?:password|sent-username \S+ password)(?: \d+)?) \S+$",
        rf"\1 {MASK}",
    ),
    (r"^(\s*(?:server-key|domain-password)(?: \d+)?) \S+(.*)$", rf"\1 {MASK}\2"),
)

CISCO_VOLATILE: tuple[str, ...] = (
    r"^! Last configuration change at ",
    r"^! NVRAM config last updated at ",
    r"^! No configuration change since last restart",
    r"^Current configuration : \d+ bytes",
    r"^Building configuration",
    r"^ntp clock-period \d+",
    r"^!Time: ",
    r"^!Running configuration last done at: ",
    r"^! Command: show running-config",
)
