"""Cisco IOS-XE: as IOS."""

from dataclasses import replace

from backups.profiles.cisco_ios import PROFILE as IOS

PROFILE = replace(IOS, platform="cisco_xe", label="Cisco IOS-XE")
