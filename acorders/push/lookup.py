"""Look-ups: find in ActiveCampaign the records this ledger does not know, with the fewest requests.

A cart new to the ledger may exist already (another tool, another machine, a lost ledger): it is looked up
before it is created, so it ends as one record even on a server that silently accepts duplicates. The
look-up is one ``GET /ecomOrders?filters[...]`` per cart or, when the connection holds fewer pages of orders
than there are new carts, one listing of the connection's orders (100 a page) for the whole run.

A listing stands in for the look-ups only when it is provably whole: ``meta.total`` present, steady from page
to page and equal to the records gathered, no record listed twice, every id an id. A cart missing from a
listing that is not would be created a second time.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import Any

from acorders.models import CHECKOUT, EXTERNAL, ids

PAGE = 100


class Remote:
    """Finds records this ledger does not know, with the fewest requests: a listing of the connection's
    orders when that is cheaper than one look-up per new cart, else exact-match filtered look-ups."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._index: dict[str, dict[tuple[str, str], dict[str, Any]] | None] = {}
        self._lock = threading.Lock()

    def prepare(self, new_per_connection: Mapping[str, int]) -> None:
        for connection, new in new_per_connection.items():
            if new <= 1 or connection in self._index:
                continue  # one look-up is as cheap as a listing; or the connection is listed already
            records = self._listing(connection, new)
            if records is None:
                continue  # per-cart look-ups: cheaper, or the only proof of what exists
            index: dict[tuple[str, str], dict[str, Any]] = {}
            for record in records:
                if str(record.get("connectionid")) == connection:
                    _add(index, record)
            self._index[connection] = index

    def know(self, connection: str, records: list[dict[str, Any]]) -> None:
        """A whole listing of the connection read elsewhere (verify): it answers this run's look-ups."""
        index: dict[tuple[str, str], dict[str, Any]] = {}
        for record in records:
            _add(index, record)
        self._index[connection] = index

    def _listing(self, connection: str, new: int) -> list[dict[str, Any]] | None:
        """Every order of the connection, if that takes at most ``new`` requests and is provably whole;
        else None. Pages are offset by what was read, so a server that pages by fewer than asked skips
        nothing."""
        records, total = self.client.list_orders(connectionid=connection, limit=PAGE, offset=0)
        if total is None or math.ceil(total / PAGE) > new:
            return None
        for _ in range(new - 1):
            if not records or len(records) >= total:
                break
            more, again = self.client.list_orders(connectionid=connection, limit=PAGE, offset=len(records))
            if not more or again != total:
                return None  # the total moved, or the pages ended short of it
            records.extend(more)
        return records if _whole(records, total) else None

    def find(self, connection: str, field: str, value: str, *, fresh: bool = False) -> dict[str, Any] | None:
        """The record whose ``field`` equals ``value`` exactly, or None. ``fresh`` skips the run's index
        (to settle a write whose outcome is unknown)."""
        index = None if fresh else self._index.get(connection)
        if index is not None:
            return index.get((field, value))
        kwargs = {field: value}
        found = self.client.find_orders(connectionid=connection, **kwargs)
        return found[0] if found else None

    def learn(self, connection: str, record: Mapping[str, Any]) -> None:
        """Keep the index true after this run creates a record."""
        index = self._index.get(connection)
        if index is None:
            return
        with self._lock:
            _add(index, dict(record))


def _whole(records: list[dict[str, Any]], total: int) -> bool:
    """Whole (listings.is_whole), and each id one that can be indexed."""
    from acorders.api.answers import is_record_id  # loads requests: only once something is being sent
    from acorders.api.listings import is_whole

    return is_whole(records, total) and all(is_record_id(r.get("id")) for r in records)


def _add(index: dict[tuple[str, str], dict[str, Any]], record: dict[str, Any]) -> None:
    """Index a record under each id it has; the first record listed for an id keeps it."""
    checkout, ext = ids(record)
    for field, value in ((EXTERNAL, ext), (CHECKOUT, checkout)):
        if value is not None:
            index.setdefault((field, value), record)
