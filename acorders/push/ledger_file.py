"""The ledger's SQLite file: its tables, opening it while another run creates it, and every SQLite error
turned into a LedgerError (exit 4) or LedgerDamaged (exit 3) with what to do about it."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from acorders.errors import LedgerDamaged, LedgerError
from acorders.models import display_name

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    account TEXT NOT NULL, connection TEXT NOT NULL, kind TEXT NOT NULL, ext TEXT NOT NULL,
    ac_id TEXT, hash TEXT, state TEXT NOT NULL, action TEXT, status INTEGER, error TEXT,
    recovered_to TEXT, source TEXT, updated_at REAL NOT NULL,
    PRIMARY KEY (account, connection, kind, ext)
);
CREATE TABLE IF NOT EXISTS history (
    at REAL NOT NULL, account TEXT NOT NULL, connection TEXT NOT NULL, kind TEXT NOT NULL, ext TEXT NOT NULL,
    action TEXT NOT NULL, ac_id TEXT, status INTEGER, error TEXT, source TEXT
);
CREATE INDEX IF NOT EXISTS history_at ON history (at);
CREATE TABLE IF NOT EXISTS sent (
    account TEXT NOT NULL, connection TEXT NOT NULL, kind TEXT NOT NULL, ext TEXT NOT NULL,
    hash TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (account, connection, kind, ext)
);
CREATE TABLE IF NOT EXISTS customers (
    account TEXT NOT NULL, connection TEXT NOT NULL, email TEXT NOT NULL, ac_id TEXT NOT NULL,
    updated_at REAL NOT NULL, PRIMARY KEY (account, connection, email)
);
"""


# an outcome: what is given replaces what was; ids, hashes and sources missing from it are kept
SETTLE_ENTRY = (
    "INSERT INTO entries (account, connection, kind, ext, ac_id, hash, state, action, status,"
    " error, recovered_to, source, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT (account, connection, kind, ext) DO UPDATE SET"
    " ac_id=COALESCE(excluded.ac_id, ac_id), hash=COALESCE(excluded.hash, hash),"
    " state=excluded.state, action=excluded.action, status=excluded.status, error=excluded.error,"
    " recovered_to=COALESCE(excluded.recovered_to, recovered_to),"
    " source=COALESCE(excluded.source, source), updated_at=excluded.updated_at"
)

BUSY_S = 30.0  # how long a statement waits for another process's lock (a push: --wait, at least 1 s)
DAMAGED = ("malformed", "not a database", "corrupt")  # SQLITE_CORRUPT, SQLITE_NOTADB


def set_up(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")  # a committed intent survives power loss
    db.executescript(SCHEMA)


def when_unlocked(step: Callable[[], None], seconds: float = BUSY_S, pause: float = 0.02) -> None:
    """Two runs creating a fresh ledger at the same moment (cron jobs started together): SQLite answers
    "database is locked" at once, without waiting, to one of them while the other switches the file to
    WAL. A moment later the file is ready; only a lock held past ``seconds`` is an error."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)


def storable(text: str | None) -> str | None:
    """SQLite stores UTF-8: a file name that is not (os.fsdecode's surrogates) is stored escaped, as
    every report shows it (models.display_name)."""
    if text is None or text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return display_name(text)


def failure(exc: sqlite3.Error, path: Path, busy_s: float) -> LedgerError:
    """What a SQLite error means for the user, and what to do about it."""
    text = str(exc)
    if any(word in text for word in DAMAGED):
        return LedgerDamaged(
            f"the ledger {path} is damaged ({text})",
            hint=f"move it aside (mv {path} {path}.damaged) and rerun: the next run rebuilds it by looking "
            "each cart up in ActiveCampaign, so nothing is pushed twice",
        )
    if "locked" in text or "busy" in text:
        return LedgerError(
            f"the ledger {path} is busy: another program has been writing to it for more than {busy_s:g} s "
            f"({text})",
            hint="let it finish (an acorders forget, a backup, a sqlite3 shell), or give --wait SECONDS; "
            "then rerun: what was not recorded is looked up, never sent twice",
        )
    hint = "free some disk space" if "full" in text else "check the disk and the state dir's permissions"
    return LedgerError(
        f"the ledger {path} cannot be read or written: {text}",
        hint=f"{hint}, then rerun: what was sent and not recorded is looked up, never sent twice",
    )


class Db:
    """The SQLite connection, with every error turned into a LedgerError (``failure``)."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self.busy_s = BUSY_S

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        try:
            return Rows(self.db.execute(sql, params), self)
        except sqlite3.Error as exc:
            raise failure(exc, self.path, self.busy_s) from None

    def close(self) -> None:
        self.db.close()


class Rows:
    """A cursor whose reads (where a damaged page shows) fail as the ledger's errors too."""

    def __init__(self, cursor: sqlite3.Cursor, db: Db) -> None:
        self.cursor = cursor
        self.db = db
        self.rowcount = cursor.rowcount

    def fetchone(self) -> Any:
        try:
            return self.cursor.fetchone()
        except sqlite3.Error as exc:
            raise failure(exc, self.db.path, self.db.busy_s) from None

    def fetchall(self) -> list[Any]:
        try:
            return self.cursor.fetchall()
        except sqlite3.Error as exc:
            raise failure(exc, self.db.path, self.db.busy_s) from None
