"""Ubiquiti EdgeOS: `show configuration commands`, as VyOS (EdgeOS is a fork of it)."""

from backups.profiles import Profile
from backups.profiles.vyos import VYOS_SECRETS

PROFILE = Profile(
    platform="ubiquiti_edgerouter",
    label="Ubiquiti EdgeRouter",
    commands=("show configuration commands | no-more",),
    comment="#",
    errors=(r"^\s*Invalid command",),
    secrets=VYOS_SECRETS,
    version_command="show version | no-more",
    arp_command="show arp",
    neighbours_command=None,
)
