"""VyOS: `show configuration commands`, one `set` line per setting."""

from backups.profiles import MASK, Profile

VYOS_SECRETS: tuple[tuple[str, str], ...] = (
    (
        r"((?:encrypted-password|plaintext-password|password|secret|pre-shared-secret|"
        r"preshared-key|private key|private-key|key|community)) '?[^'\s]+'?",
        rf"\1 '{MASK}'",
    ),
    (r"([a-z]+://[^:\s/]+:)[^@\s]+@", rf"\1{MASK}@"),
)

PROFILE = Profile(
    platform="vyos",
    label="VyOS",
    commands=("show configuration commands | no-more",),
    comment="#",
    errors=(r"^\s*Invalid command", r"^\s*Configuration path: .* is not valid"),
    secrets=VYOS_SECRETS,
    arp_command="show arp",
    neighbours_command="show lldp neighbors",
)
