"""The data dir is private to the user: folders 0700, files 0600 (the review database and its WAL, uploads, job
files, logs). Processes that write there (the CLI, the app's server) run with umask 077, and what already exists
is tightened when the data dir is opened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE, FILE_MODE, UMASK = 0o700, 0o600, 0o077


def private_umask() -> None:
    """Files and folders this process creates from now on are readable by the user only."""
    os.umask(UMASK)


def private_dir(path: str | Path) -> Path:
    """Create ``path`` (0700) if needed and tighten it and everything under it to 0700 folders / 0600 files."""
    path = Path(path).expanduser()
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for folder, dirs, files in os.walk(path):
        _tighten(Path(folder), DIR_MODE)
        for name in files:
            _tighten(Path(folder) / name, FILE_MODE)
    return path


def private_file(path: str | Path) -> Path:
    """Create ``path`` empty (0600) if it does not exist; tighten it to 0600 if it does."""
    path = Path(path)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
    os.close(fd)
    _tighten(path, FILE_MODE)
    return path


def _tighten(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid():
            return  # never follow a link out of the data dir, nor touch another user's file
        if stat.S_IMODE(st.st_mode) & ~mode:
            os.chmod(path, stat.S_IMODE(st.st_mode) & mode)
    except OSError:
        pass
