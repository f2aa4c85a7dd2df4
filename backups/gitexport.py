"""Optional git export: mirror every new version into a git repository (Oxidized-style).

Off unless NETKEEP_BACKUP_GIT_DIR is set. One file per device, one commit per
new version, written with dulwich (no git binary needed). Only masked text is
written: secrets never reach the repository. Workers export one at a time (an
exclusive lock on the repository's folder), so concurrent backups never meet on
git's index lock.
"""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

from django.conf import settings


def enabled() -> bool:
    return bool(getattr(settings, "NETKEEP_BACKUP_GIT_DIR", ""))


def _filename(device_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", device_name) + ".cfg"


def export(device_name: str, text: str, message: str) -> str | None:
    """Commit `text` as the device's file; returns the commit id, or None when off."""
    if not enabled():
        return None
    from dulwich.repo import Repo

    root = Path(getattr(settings, "NETKEEP_BACKUP_GIT_DIR", ""))
    root.mkdir(parents=True, exist_ok=True)
    folder = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)  # released when the descriptor closes
        if not (root / ".git").exists():
            Repo.init(str(root))
        tree = Repo(str(root)).get_worktree()
        name = _filename(device_name)
        (root / name).write_text(text)
        tree.stage([name.encode()])
        commit = tree.commit(
            message=message.encode(),
            committer=b"Netkeep <netkeep@localhost>",
            author=b"Netkeep <netkeep@localhost>",
        )
    finally:
        os.close(folder)
    return commit.decode()
