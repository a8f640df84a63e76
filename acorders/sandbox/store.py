"""SQLite storage for the sandbox: one generic JSON table per resource kind.

Records are stored as the API normalises what was sent (numbers as strings, currency lower-case), so list
filters can compare strings the way the real API's ``filters[...]`` do; what the API derives (item ids,
aggregates, links, re-offset dates) is added when a record is answered (``records``). One re-entrant lock
guards the single connection: the HTTP server is threaded, and a route must check-then-insert atomically
(duplicates).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

Record = dict[str, Any]

#: fields that list filters and duplicate checks look up, indexed so the store stays fast as it fills
INDEXED: dict[str, tuple[str, ...]] = {
    "ecom_orders": ("externalcheckoutid", "externalid", "customerid"),
    "ecom_order_products": ("orderid",),
    "ecom_order_discounts": ("orderid",),
    "ecom_customers": ("email",),
}
_FIELD = re.compile(r"^\w+$")
CASELESS = frozenset({"email"})

#: resource kind -> table name
TABLES: dict[str, str] = {
    "connection": "connections",
    "customer": "ecom_customers",
    "order": "ecom_orders",
    "product": "ecom_order_products",
    "discount": "ecom_order_discounts",
}


class Store:
    """Thread-safe record store; ``path`` is ``:memory:`` (default) or a database file."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.lock = threading.RLock()
        self._depth = 0
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        with self.lock:
            for table in TABLES.values():
                self._db.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} "
                    "(id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL)"
                )
            for table, fields in INDEXED.items():
                for field in fields:
                    expr = f"CAST(json_extract(data, '$.{field}') AS TEXT)"
                    self._db.execute(
                        f"CREATE INDEX IF NOT EXISTS {table}_{field} ON {table} "
                        f"({f'LOWER({expr})' if field in CASELESS else expr})"
                    )

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and commit everything done inside at once (nested calls join the outer one)."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    # -- generic CRUD -------------------------------------------------------------------------

    @staticmethod
    def _table(kind: str) -> str:
        try:
            return TABLES[kind]
        except KeyError:
            raise ValueError(f"unknown record kind {kind!r}") from None

    @staticmethod
    def _row(row: tuple[int, str]) -> Record:
        return {"id": str(row[0]), **json.loads(row[1])}

    @staticmethod
    def _key(record_id: str | int) -> int | None:
        text = str(record_id)
        return int(text) if text.isascii() and text.isdigit() else None

    def insert(self, kind: str, record: Mapping[str, Any], record_id: str | int | None = None) -> Record:
        """Store a new record (with ``record_id`` if given, else the next sequential id); return it with its
        id."""
        data = {k: v for k, v in record.items() if k != "id"}
        with self.transaction():
            if record_id is None:
                cur = self._db.execute(
                    f"INSERT INTO {self._table(kind)} (data) VALUES (?)", (json.dumps(data),)
                )
            else:
                cur = self._db.execute(
                    f"INSERT INTO {self._table(kind)} (id, data) VALUES (?, ?)",
                    (int(record_id), json.dumps(data)),
                )
        return {"id": str(cur.lastrowid), **data}

    def get(self, kind: str, record_id: str | int) -> Record | None:
        """The record with this id, or None (also for ids that are not digit strings)."""
        key = self._key(record_id)
        if key is None:
            return None
        with self.lock:
            row = self._db.execute(
                f"SELECT id, data FROM {self._table(kind)} WHERE id = ?", (key,)
            ).fetchone()
        return self._row(row) if row else None

    def update(self, kind: str, record_id: str | int, record: Mapping[str, Any]) -> Record:
        """Replace the stored fields of an existing record."""
        data = {k: v for k, v in record.items() if k != "id"}
        with self.transaction():
            self._db.execute(
                f"UPDATE {self._table(kind)} SET data = ? WHERE id = ?", (json.dumps(data), int(record_id))
            )
        return {"id": str(record_id), **data}

    def delete(self, kind: str, record_id: str | int) -> bool:
        """Remove a record; False if there was none."""
        key = self._key(record_id)
        if key is None:
            return False
        with self.transaction():
            cur = self._db.execute(f"DELETE FROM {self._table(kind)} WHERE id = ?", (key,))
        return cur.rowcount > 0

    def find(
        self,
        kind: str,
        filters: Mapping[str, str | None] | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
        descending: bool = False,
    ) -> tuple[list[Record], int]:
        """Records whose fields equal ``filters`` (None matches null), by id; returns (page, total before
        paging)."""
        table = self._table(kind)
        where: list[str] = []
        params: list[Any] = []
        for field, value in (filters or {}).items():
            if field == "id":
                where.append("CAST(id AS TEXT) = ?")
                params.append(value)
            elif not _FIELD.match(field):
                raise ValueError(f"not a field name: {field!r}")
            elif value is None:
                where.append(f"json_extract(data, '$.{field}') IS NULL")
            elif field in CASELESS:  # as the API: Alice@Example.com finds alice@example.com
                where.append(f"LOWER(CAST(json_extract(data, '$.{field}') AS TEXT)) = LOWER(?)")
                params.append(str(value))
            else:  # the path is written literally so SQLite can use the expression indexes
                where.append(f"CAST(json_extract(data, '$.{field}') AS TEXT) = ?")
                params.append(str(value))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        order = "DESC" if descending else "ASC"
        with self.lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM {table}{clause}", params).fetchone()[0]
            rows = self._db.execute(
                f"SELECT id, data FROM {table}{clause} ORDER BY id {order} LIMIT ? OFFSET ?",
                [*params, -1 if limit is None else limit, max(0, offset)],
            ).fetchall()
        return [self._row(r) for r in rows], int(total)

    def all(self, kind: str, **filters: str | None) -> list[Record]:
        """Every record of a kind matching the keyword filters (for tests and assertions)."""
        return self.find(kind, filters)[0]

    # -- conveniences for tests ---------------------------------------------------------------

    def orders(self, **filters: str | None) -> list[Record]:
        """Stored ecomOrders (carts and orders) matching ``filters``."""
        return self.all("order", **filters)

    def customers(self, **filters: str | None) -> list[Record]:
        """Stored ecomCustomers matching ``filters``."""
        return self.all("customer", **filters)

    def connections(self, **filters: str | None) -> list[Record]:
        """Stored connections matching ``filters``."""
        return self.all("connection", **filters)

    def add_account_customer(self, email: str, tstamp: str | None = None) -> Record:
        """The account-level ecomCustomer row (connectionid "0", externalid "0") the real API lists for an
        email, created unless the email (in any case) has one."""
        with self.transaction():
            for row in self.all("customer", connectionid="0", email=email):
                return row
            return self.insert(
                "customer",
                {
                    "connectionid": "0",
                    "externalid": "0",
                    "email": email,
                    "acceptsMarketing": "0",
                    "totalRevenue": "0",
                    "totalOrders": "0",
                    "tstamp": tstamp,
                },
            )

    def close(self) -> None:
        """Close the database connection (data in ``:memory:`` is gone afterwards)."""
        with self.lock:
            self._db.close()
