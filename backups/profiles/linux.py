"""Linux hosts: network configuration files and the live addresses, read with `cat` and `ip`."""

from backups.profiles import MASK, Profile

PROFILE = Profile(
    platform="linux",
    label="Linux",
    commands=(
        "cat /etc/hostname /etc/hosts /etc/resolv.conf",
        "ip -o address show",
    ),
    min_lines=1,
    comment="#",
    errors=(r"^cat: .*: No such file or directory", r"^-?bash: .*: command not found"),
    volatile=(r"valid_lft \d+sec preferred_lft \d+sec",),
    secrets=((r"^(\s*(?:password|passphrase|psk|secret)\s*[=:]\s*)\S+", rf"\1{MASK}"),),
    version_command="uname -a",
    arp_command="ip neigh show",
    neighbours_command=None,
)
