"""push --historical: importing past orders without starting an automation.

ActiveCampaign documents ``source: 0`` for historical orders: no automation starts and nothing shows on
the Ecommerce dashboard. A backfill sends every create with it (``send.Pusher.historical``; updates are
re-syncs with source 0 already), newest first by ``externalCreatedDate`` so the orders customers remember
arrive first, within ``--since`` / ``--until``. It is resumable like any push: the ledger settles what was
sent, and a rerun sends only the rest. The file's content keeps its own ``source``: the ledger's hash is
the file's, so a later push of the same file is unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from acorders.models import Action, Document, Finding, PushResult
from acorders.push.plan import result_for
from acorders.push.prepare import Prepared
from acorders.push.verify import instant

CREATED_AT = "externalCreatedDate"


def arrange(prepared: Prepared, since: float | None, until: float | None) -> Prepared:
    """The documents to send within [since, until], newest first; the others become ignored results."""
    keep: list[tuple[float, Document]] = []
    ignored: list[PushResult] = []
    for doc in prepared.send:
        when = instant((doc.order or {}).get(CREATED_AT))
        if (since is not None or until is not None) and not _within(when, since, until):
            shown = (doc.order or {}).get(CREATED_AT)
            note = Finding(CREATED_AT, f"outside --since/--until ({shown}); not sent")
            ignored.append(result_for(doc, Action.IGNORED, errors=[note]))
            continue
        keep.append((when if when is not None else -math.inf, doc))
    keep.sort(key=lambda pair: pair[0], reverse=True)  # stable: same instants stay in input order
    return Prepared(prepared.invalid, prepared.unchanged + ignored, [doc for _, doc in keep])


def _within(when: float | None, since: float | None, until: float | None) -> bool:
    if when is None:
        return False
    return (since is None or when >= since) and (until is None or when <= until)


def requests_needed(results: Iterable[PushResult]) -> tuple[int, int]:
    """(records to send, requests): one per create, update or recovery, plus the first page of the
    connection's listing that the look-ups of new records start with (a backfill is of one shop)."""
    planned = [r for r in results if r.planned in ("create", "update", "recover")]
    creates = any(r.planned == "create" for r in planned)
    return len(planned), len(planned) + int(creates)


def estimate(orders: int, requests: int, rate: float) -> str:
    """'120,000 orders: 120,000 requests, ~6 h 40 min at 5 requests/s'."""
    seconds = math.ceil(requests / rate) if requests else 0
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        took = f"{hours} h {minutes} min" if minutes else f"{hours} h"
    elif minutes:
        took = f"{minutes} min {secs} s" if secs else f"{minutes} min"
    else:
        took = f"{secs} s"
    noun = "order" if orders == 1 else "orders"
    return f"{orders:,} {noun}: {requests:,} requests, ~{took} at {rate:g} requests/s"
