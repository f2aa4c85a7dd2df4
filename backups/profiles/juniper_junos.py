"""Juniper Junos: `show configuration`; hashed secrets are marked `## SECRET-DATA`."""

from backups.profiles import MASK, Profile

PROFILE = Profile(
    platform="juniper_junos",
    label="Juniper Junos",
    commands=("show configuration | display omit | no-more",),
    balanced=True,
    comment="#",
    volatile=(r"^## Last commit: ", r"^## Last changed: ", r"^## Image name: "),
    secrets=(
        (r'"[^"]*"(; ## SECRET-DATA)', rf'"{MASK}"\1'),
        (r"(community) \S+ \{", rf"\1 {MASK} {{"),
        (r"((?:ftp|pasvftp|sftp|scp|https?)://[^/@\"\s]+):[^@\"\s]+@", rf"\1:{MASK}@"),
    ),
    arp_command="show arp no-resolve",
    neighbours_command="show lldp neighbors",
)
