"""Listings: one page of a list endpoint, every page of a filtered one, and whether what the pages held is
provably the whole listing (a look-up that trusts less could miss the record and create it twice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from acorders.api.answers import ids_as_str
from acorders.errors import RequestFailed

Record = dict[str, Any]
Request = Callable[..., Record]  # Transport.request


def list_page(
    request: Request, path: str, params: dict[str, Any], key: str
) -> tuple[list[Record], int | None]:
    """One page of a list endpoint: (records, meta.total); the total is None when the answer gives
    none (then nothing says how much is left)."""
    answer = request("GET", path, params=params)
    rows = answer.get(key)
    records = [ids_as_str(r) for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
    meta = answer.get("meta")
    try:
        total = int(meta["total"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        return records, None
    return records, total if total >= 0 else None


def every_page(
    request: Request, path: str, params: dict[str, Any], key: str, max_pages: int = 100
) -> list[Record]:
    """Every page of a filtered list (filters may match by "contains", so there can be many), offset by
    what was read (a server may page by fewer than asked).

    Only a listing that is provably whole is returned (see ``whole``): anything less could miss the
    exact match and lead to a duplicate, so it is an error, as too many pages are."""
    records: list[Record] = []
    for _ in range(max_pages):
        page, total = list_page(request, path, {**params, "limit": 100, "offset": len(records)}, key)
        records.extend(page)
        if not page or (total is not None and len(records) >= total):
            return whole(f"GET {path}", records, total)
    raise RequestFailed(f"GET {path}: more than {len(records)} records match; cannot check them all", None)


def is_whole(records: list[Record], total: int | None) -> bool:
    """As many records as meta.total says (any number without one: the caller read to an empty page),
    and none listed twice."""
    distinct = len({str(r.get("id")) for r in records})
    return (total is None or total == len(records)) and distinct == len(records)


def whole(what: str, records: list[Record], total: int | None) -> list[Record]:
    """``records`` if they are provably the whole listing: as many as meta.total says (without a total,
    read up to an empty page) and none listed twice (a server that ignores offset repeats its first page).
    RequestFailed otherwise: a rerun may find the listing consistent."""
    if is_whole(records, total):
        return records
    distinct = len({str(r.get("id")) for r in records})
    said = f"meta.total says {total}" if total is not None else "no meta.total"
    raise RequestFailed(
        f"{what}: the listing does not add up ({said}, the pages held {len(records)} records, "
        f"{distinct} distinct); cannot tell whether it holds the record",
        None,
    )
