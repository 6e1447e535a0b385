"""The data directory belongs to the operator alone: it holds addresses, e-mail addresses and
password hashes (SQLite and its WAL), uploads, sent e-mails and the local secret key."""

import os
import stat
from pathlib import Path

# Files created by the process: owner only (0600), directories 0700 (as ssh does for ~/.ssh).
PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def make_private(data_dir: Path) -> list[Path]:
    """Create `data_dir` as 0700, or take group's and others' access away from it and from the
    files directly inside it (database, WAL, secret key); return the paths that were tightened.

    Subfolders (media, mail, static) need no pass of their own: the closed directory above them
    keeps other users out.
    """
    tightened = []
    data_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    if _too_open(data_dir):
        data_dir.chmod(PRIVATE_DIR_MODE)
        tightened.append(data_dir)
    for path in sorted(data_dir.iterdir()):
        if path.is_file() and not path.is_symlink() and _too_open(path):
            path.chmod(PRIVATE_FILE_MODE)
            tightened.append(path)
    return tightened


def _too_open(path: Path) -> bool:
    return bool(stat.S_IMODE(path.stat().st_mode) & (stat.S_IRWXG | stat.S_IRWXO))


def private_umask() -> int:
    """Make every file the process creates from now on private; return the previous umask."""
    return os.umask(PRIVATE_UMASK)
