"""The local ledger: what acorders pushed where, so every cart exists exactly once in ActiveCampaign.

SQLite in the user state dir, one row per (account, connection, kind, external id). Before every write to
the API the intent is committed (``pending``); the answer settles it (``done``). A run killed between the two
leaves a pending row, and the next run settles it by looking the record up instead of re-sending blindly.
An exclusive file lock per ledger keeps overlapping runs (cron) from pushing the same cart twice (and one
per account, in locks.py, keeps runs with different ledgers apart).

Every SQLite error becomes a LedgerError (exit 4: a full disk, a database busy for longer than --wait)
or LedgerDamaged (exit 3: damaged pages; the hint says to move the file aside), never a bare
sqlite3 exception: the push stops sending and still reports what it did.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from acorders.errors import ConfigError, LedgerError, LockTimeout
from acorders.models import canonical_bytes
from acorders.push import locks
from acorders.push.ledger_file import (
    BUSY_S,
    DAMAGED,
    SETTLE_ENTRY,
    Db,
    failure,
    set_up,
    storable,
    when_unlocked,
)

LEDGER_NAME = "ledger.sqlite3"
PENDING, DONE, REJECTED, FAILED = "pending", "done", "rejected", "failed"
EXPIRED = "expired"  # a cart `expire` deleted from ActiveCampaign: sent again only when its content changes


def content_hash(order: Mapping[str, Any]) -> str:
    """Stable across key order and runs: what decides "unchanged"."""
    return hashlib.sha256(canonical_bytes(order)).hexdigest()[:32]


class Key(NamedTuple):  # NamedTuples: a push plans every cart with two of these, and hashes the key
    account: str
    connection: str
    kind: str  # "cart" (by externalcheckoutid) or "order" (by externalid)
    ext: str


class Entry(NamedTuple):
    key: Key
    ac_id: str | None
    hash: str | None
    state: str
    action: str | None
    recovered_to: str | None


class LedgerView:
    """A read-only copy of the ledger's entries of one account, for planning (also in worker processes)."""

    def __init__(self, rows: dict[tuple[str, str, str], tuple[Any, ...]]) -> None:
        self._rows = rows

    def get(self, key: Key) -> Entry | None:
        row = self._rows.get((key.connection, key.kind, key.ext))
        return Entry(key, *row) if row is not None else None


def default_state_dir() -> Path:
    from platformdirs import user_state_dir

    return Path(user_state_dir("acorders"))


class Ledger:
    """One SQLite connection shared by the worker threads behind a lock; every write is committed at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=BUSY_S)
            when_unlocked(lambda: set_up(db))
        except (OSError, sqlite3.Error) as exc:
            if isinstance(exc, sqlite3.Error) and any(word in str(exc) for word in DAMAGED):
                raise failure(exc, path, BUSY_S) from None
            raise ConfigError(
                f"cannot open the ledger {path}: {exc}",
                hint="check --state-dir / ACORDERS_STATE_DIR and its permissions",
            ) from None
        self._db = Db(db, path)
        self._mutex = threading.Lock()
        self._lock_fd: int | None = None

    @classmethod
    def open(cls, state_dir: Path | None) -> Ledger:
        return cls((state_dir or default_state_dir()) / LEDGER_NAME)

    def close(self) -> None:
        self.unlock()
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- overlapping runs -----------------------------------------------------------------------------

    def lock(self, wait: float, sleep: float = 0.1) -> None:
        """Exclusive for the whole push; a second run waits up to ``wait`` seconds, then LockTimeout (exit
        4). From then on a statement waits as long for another program writing to the file (at least 1 s),
        then LedgerError: busy."""

        def busy(holder: str) -> LockTimeout:
            return LockTimeout(
                f"another acorders push (pid {holder}) is using the ledger {self.path}; waited {wait:g} s",
                hint=locks.WAIT_HINT,
            )

        self._lock_fd = locks.take(self.path.with_suffix(".lock"), wait, busy, sleep)
        self._db.busy_s = max(1.0, wait)
        self._db.execute(f"PRAGMA busy_timeout = {int(self._db.busy_s * 1000)}")

    def unlock(self) -> None:
        locks.release(self._lock_fd)
        self._lock_fd = None

    # --- entries --------------------------------------------------------------------------------------

    def get(self, key: Key) -> Entry | None:
        with self._mutex:
            row = self._db.execute(
                "SELECT ac_id, hash, state, action, recovered_to FROM entries "
                "WHERE account=? AND connection=? AND kind=? AND ext=?",
                (key.account, key.connection, key.kind, key.ext),
            ).fetchone()
        return Entry(key, *row) if row else None

    def snapshot(self, account: str) -> LedgerView:
        """Every entry of one account, read at once: planning 10,000 carts costs one query, not 10,000."""
        with self._mutex:
            rows = self._db.execute(
                "SELECT connection, kind, ext, ac_id, hash, state, action, recovered_to FROM entries"
                " WHERE account=?",
                (account,),
            ).fetchall()
        return LedgerView({row[:3]: row[3:] for row in rows})  # (connection, kind, ext) -> the rest

    def entries(self, account: str) -> list[Entry]:
        """Every entry of one account (verify compares them with the account's records)."""
        with self._mutex:
            rows = self._db.execute(
                "SELECT connection, kind, ext, ac_id, hash, state, action, recovered_to FROM entries"
                " WHERE account=? ORDER BY connection, kind, ext",
                (account,),
            ).fetchall()
        return [Entry(Key(account, *row[:3]), *row[3:]) for row in rows]

    def sent(self, account: str) -> dict[tuple[str, str, str], tuple[str, dict[str, Any]]]:
        """(connection, kind, ext) -> (hash of the content, the body last sent for it) of one account."""
        import json

        with self._mutex:
            rows = self._db.execute(
                "SELECT connection, kind, ext, hash, body FROM sent WHERE account=?", (account,)
            ).fetchall()
        return {(c, k, e): (h, json.loads(b)) for c, k, e, h, b in rows}

    def note(
        self,
        key: Key,
        action: str,
        *,
        ac_id: str | None = None,
        status: int | None = None,
        error: str | None = None,
        source: str | None = None,
    ) -> None:
        """An event about a record that leaves its entry as it is (a duplicate deleted): history only."""
        event = (time.time(), *key, action, ac_id, status, storable(error), storable(source))
        with self._mutex:
            self._db.execute("INSERT INTO history VALUES (?,?,?,?,?,?,?,?,?,?)", event)

    def intend(
        self, key: Key, ac_id: str | None, digest: str, source: str, body: Mapping[str, Any] | None = None
    ) -> None:
        """Commit the intent before the request: a crash after it leaves a pending row to settle. ``body``
        (what is about to be sent) is kept beside the content's hash: verify compares it with what
        ActiveCampaign holds, and --fix sends it again, without the files."""
        if body is not None:
            text = canonical_bytes(body).decode("utf-8", "surrogatepass")
            with self._mutex:
                self._db.execute(
                    "INSERT OR REPLACE INTO sent VALUES (?,?,?,?,?,?)", (*key, digest, storable(text))
                )
        self._upsert(
            key,
            ac_id=ac_id,
            hash=digest,
            state=PENDING,
            action=None,
            status=None,
            error=None,
            source=storable(source),
        )

    def settle(
        self,
        key: Key,
        *,
        state: str,
        action: str,
        ac_id: str | None = None,
        digest: str | None = None,
        status: int | None = None,
        error: str | None = None,
        source: str | None = None,
        recovered_to: str | None = None,
    ) -> None:
        """Record the outcome, and append it to the history, in one transaction. A LedgerError says what it
        was recording (``outcome``), for the cart's result."""
        now = time.time()
        source, error = storable(source), storable(error)
        entry = (*key, ac_id, digest, state, action, status, error, recovered_to, source, now)
        event = (now, *key, action, ac_id, status, error, source)
        with self._mutex:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.execute(SETTLE_ENTRY, entry)
                    self._db.execute("INSERT INTO history VALUES (?,?,?,?,?,?,?,?,?,?)", event)
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.db.in_transaction:  # SQLite ends it itself on some errors (a full disk)
                        self._db.db.rollback()
                    raise
            except LedgerError as exc:
                exc.outcome = {"action": action, "ac_id": ac_id, "status": status, "error": error}
                raise

    def _upsert(self, key: Key, **values: Any) -> None:
        cols = ["account", "connection", "kind", "ext", *values, "updated_at"]
        params = [key.account, key.connection, key.kind, key.ext, *values.values(), time.time()]
        updates = ", ".join(f"{c}=excluded.{c}" for c in cols[4:])
        with self._mutex:
            self._db.execute(
                f"INSERT INTO entries ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                f" ON CONFLICT (account, connection, kind, ext) DO UPDATE SET {updates}",
                params,
            )

    # --- customers (resolution of customerid) ---------------------------------------------------------

    def customer(self, account: str, connection: str, email: str) -> str | None:
        with self._mutex:
            row = self._db.execute(
                "SELECT ac_id FROM customers WHERE account=? AND connection=? AND email=?",
                (account, connection, email.lower()),
            ).fetchone()
        return row[0] if row else None

    def remember_customer(self, account: str, connection: str, email: str, ac_id: str) -> None:
        with self._mutex:
            self._db.execute(
                "INSERT OR REPLACE INTO customers VALUES (?,?,?,?,?)",
                (account, connection, email.lower(), ac_id, time.time()),
            )

    def forget_customer(self, account: str, connection: str, email: str) -> int:
        """Drop the remembered customerid of an email (delete --email); returns how many."""
        with self._mutex:
            cur = self._db.execute(
                "DELETE FROM customers WHERE account=? AND connection=? AND email=?",
                (account, connection, email.lower()),
            )
            return cur.rowcount

    # --- history and forget ---------------------------------------------------------------------------

    def history(
        self,
        since: float | None = None,
        account: str | None = None,
        *,
        cart: str | None = None,
        action: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The events, oldest first: since a time, of one account, of one cart (its externalcheckoutid),
        or with one action (created, failed...)."""
        sql = (
            "SELECT at, account, connection, kind, ext, action, ac_id, status, error, source FROM history"
            " WHERE at >= ?"
        )
        params: list[Any] = [since or 0.0]
        for clause, value in (("account = ?", account), ("action = ?", action)):
            if value:
                sql += f" AND {clause}"
                params.append(value)
        if cart is not None:
            sql += " AND kind = 'cart' AND ext = ?"
            params.append(cart)
        with self._mutex:
            rows = self._db.execute(sql + " ORDER BY at", params).fetchall()
        names = ("at", "account", "connection", "kind", "ext", "action", "id", "status", "error", "source")
        for row in rows:
            yield dict(zip(names, row, strict=True))

    def forget(
        self,
        *,
        account: str | None = None,
        connection: str | None = None,
        kind: str | None = None,
        ext: str | None = None,
    ) -> int:
        """Drop entries (after the records were deleted in ActiveCampaign); returns how many."""
        clauses, params = [], []
        for column, value in (("account", account), ("connection", connection), ("kind", kind), ("ext", ext)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = " AND ".join(clauses) or "1"
        with self._mutex:
            self._db.execute(f"DELETE FROM sent WHERE {where}", params)  # bodies hold emails: forgotten too
            cur = self._db.execute(f"DELETE FROM entries WHERE {where}", params)
            return cur.rowcount
