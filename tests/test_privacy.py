"""The data dir and everything in it are private to the user (0700 / 0600), the SQLite WAL included (issue #20)."""

from __future__ import annotations

import os
import stat

from biofm.cli import main


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_an_existing_open_data_dir_is_tightened_and_new_files_are_private(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "uploads").mkdir(parents=True)
    (home / "uploads" / "notes.csv").write_text("text\nJane Doe\n")
    os.chmod(home, 0o755)
    os.chmod(home / "uploads", 0o755)
    os.chmod(home / "uploads" / "notes.csv", 0o644)
    monkeypatch.setenv("BIOFM_DATA_DIR", str(home))
    old = os.umask(0o022)
    try:
        assert main(["models", "list"]) == 0
        assert os.umask(0o077) == 0o077  # the command left the process at umask 077
    finally:
        os.umask(old)
    assert _mode(home) == 0o700 and _mode(home / "uploads") == 0o700
    assert _mode(home / "uploads" / "notes.csv") == 0o600


def test_the_review_database_and_its_wal_are_0600(tmp_path):
    from biofm.review.store import ReviewStore

    old = os.umask(0o022)  # even a process that did not set its umask (a notebook, a test)
    try:
        db = tmp_path / "data" / "biofm.db"
        store = ReviewStore(f"sqlite:///{db}")
        store.add_batch("text-classify", "m", "1", ["a", "b"], [], source="x")
    finally:
        os.umask(old)
    assert _mode(db.parent) == 0o700 and _mode(db) == 0o600
    wal = db.with_name("biofm.db-wal")
    assert wal.exists() and _mode(wal) == 0o600
