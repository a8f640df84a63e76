"""Lists: ``limit``/``offset`` paging, ``filters[field]=value`` and ``orders[field]=ASC|DESC`` sorts.

Equality filters and the id order run in SQL, as before; a date filter or a sort on another field reads the
filtered rows and sorts them here (ids and states as numbers, dates by instant, emails regardless of case),
then pages. Ties keep id order, so a page order is stable. Filters and sorts an endpoint does not know are
ignored, as by the real API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from .records import instant
from .store import Record, Store

NUMERIC = frozenset({"id", "connectionid", "customerid", "state"})
CASELESS = frozenset({"email"})
DATES = frozenset({"externalCreatedDate"})

#: ecomOrders: documented filter parameter -> stored field (besides the plain ones of ORDER_FILTERS)
ORDER_DATE_FILTERS = {"external_created_date": "externalCreatedDate"}
#: ecomOrders: documented ``orders[...]`` parameter -> stored field (``id`` is the sandbox's own)
ORDER_SORTS = {
    "id": "id",
    "connectionid": "connectionid",
    "externalid": "externalid",
    "externalcheckoutid": "externalcheckoutid",
    "email": "email",
    "state": "state",
    "customerid": "customerid",
    "external_created_date": "externalCreatedDate",
}
ID_SORT = {"id": "id"}


def paging(query: Mapping[str, str]) -> tuple[int, int]:
    """``limit`` (default 20, clamped to 100) and zero-based ``offset``."""
    limit_text, offset_text = query.get("limit", ""), query.get("offset", "")
    limit = int(limit_text) if limit_text.isascii() and limit_text.isdigit() and int(limit_text) > 0 else 20
    offset = int(offset_text) if offset_text.isascii() and offset_text.isdigit() else 0
    return min(limit, 100), offset


def equal_filters(query: Mapping[str, str], allowed: tuple[str, ...]) -> dict[str, str | None]:
    """``filters[field]=value`` for the fields the endpoint knows."""
    out: dict[str, str | None] = {}
    for key, value in query.items():
        m = re.fullmatch(r"filters\[(\w+)\]", key)
        if m and m.group(1) in allowed:
            out[m.group(1)] = value
    return out


def sorts(query: Mapping[str, str], allowed: Mapping[str, str]) -> list[tuple[str, bool]]:
    """(stored field, descending) for each ``orders[param]=ASC|DESC``, in the order given."""
    out = []
    for key, value in query.items():
        m = re.fullmatch(r"orders\[(\w+)\]", key)
        if m and m.group(1) in allowed and value.upper() in ("ASC", "DESC"):
            out.append((allowed[m.group(1)], value.upper() == "DESC"))
    return out


def _sort_key(field: str) -> Any:
    def key(row: Record) -> tuple[bool, Any]:
        value = row.get(field)
        if value is None:
            return (False, 0)
        if field in NUMERIC:
            text = str(value)
            return (True, int(text)) if text.isdigit() else (True, -1)
        if field in DATES:
            moment = instant(value)
            return (True, moment.timestamp()) if moment else (True, float("-inf"))
        return (True, str(value).casefold() if field in CASELESS else str(value))

    return key


def same_date(value: Any, wanted: str, zone: tzinfo | None) -> bool:
    """Whether a stored date-time falls on the calendar date ``wanted`` (in the account's zone, else in its
    own offset), or is the instant ``wanted`` names when that is a date-time."""
    moment = instant(value)
    if moment is None:
        return False
    exact = instant(wanted)
    if exact is not None:
        return moment == exact
    try:
        day = date.fromisoformat(wanted.strip())
    except ValueError:
        return False
    local: datetime = moment.astimezone(zone) if zone is not None else moment
    return local.date() == day


def page(
    store: Store,
    kind: str,
    query: Mapping[str, str],
    *,
    allowed: tuple[str, ...],
    sortable: Mapping[str, str] = ID_SORT,
    date_filters: Mapping[str, str] | None = None,
    zone: tzinfo | None = None,
) -> tuple[list[Record], int]:
    """One page of a list: (records, total before paging)."""
    limit, offset = paging(query)
    equal = equal_filters(query, allowed)
    dated = {
        field: value
        for param, field in (date_filters or {}).items()
        if (value := query.get(f"filters[{param}]")) is not None
    }
    order = sorts(query, sortable)
    if not dated and all(field == "id" for field, _ in order):
        descending = bool(order) and order[0][1]
        return store.find(kind, equal, limit=limit, offset=offset, descending=descending)
    rows, _ = store.find(kind, equal)
    rows = [r for r in rows if all(same_date(r.get(f), v, zone) for f, v in dated.items())]
    for field, descending in reversed(order):  # stable: the first sort given decides first
        rows.sort(key=_sort_key(field), reverse=descending)
    return rows[offset : offset + limit], len(rows)
