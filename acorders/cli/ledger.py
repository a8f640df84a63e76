"""Ledger commands: `history` (what was pushed when) and `forget` (drop entries)."""

from __future__ import annotations

import re
import time
from typing import Annotated, Optional

import typer

from acorders.cli.options import LimitOpt, Output, OutputOpt, StateDirOpt
from acorders.cli.runtime import environment
from acorders.errors import ExitStatus, UsageError
from acorders.models import Action
from acorders.report.rows import render_results, render_rows

_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: float | None = None) -> float:
    """'30m', '2h', '7d' ago, or an ISO date / date-time."""
    now = time.time() if now is None else now
    match = _RELATIVE.match(text.strip())
    if match:
        return now - int(match.group(1)) * _UNITS[match.group(2)]
    from datetime import datetime

    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--since {text!r}: give a duration like 30m, 2h, 7d, or a date like 2026-11-20"
        ) from None
    return (parsed if parsed.tzinfo else parsed.astimezone()).timestamp()


def history(
    since: Annotated[Optional[str], typer.Option("--since", help="30m, 2h, 7d, or a date.")] = None,
    cart: Annotated[
        Optional[str], typer.Option("--cart", help="Only this cart (its externalcheckoutid).")
    ] = None,
    action: Annotated[
        Optional[str], typer.Option("--action", help="Only this result: created, updated, failed...")
    ] = None,
    limit: LimitOpt = None,
    output: OutputOpt = Output.table,
    state_dir: StateDirOpt = None,
) -> int:
    """What was pushed when: ActiveCampaign ids and results, from the ledger (the latest --limit N)."""
    from datetime import datetime

    from acorders.push.ledger import Ledger

    actions = [a.value for a in Action]
    if action is not None and action not in actions:
        raise UsageError(f"--action {action!r}: give one of {', '.join(actions)}")
    with Ledger.open(state_dir) as ledger:
        rows = list(ledger.history(parse_since(since) if since else None, cart=cart, action=action))
    total = len(rows)
    if limit is not None:
        rows = rows[-limit:]  # the latest, still oldest first
    for row in rows:
        row["at"] = datetime.fromtimestamp(row["at"]).astimezone().isoformat(timespec="seconds")
    env = environment()
    if output is Output.table:
        columns = ["at", "kind", "ext", "action", "id", "status", "error", "source", "account"]
        render_rows(
            env, rows, columns, output.value, "history", total=total, limit=limit, noun="history entries"
        )
    else:
        render_results(env, rows, output.value, {"entries": total, "shown": len(rows)}, "history entries")
    return ExitStatus.OK


def forget(
    cart: Annotated[Optional[str], typer.Option("--cart", help="externalcheckoutid of a cart.")] = None,
    order: Annotated[Optional[str], typer.Option("--order", help="externalid of an order.")] = None,
    connection: Annotated[Optional[str], typer.Option("--connection", help="Only this connectionid.")] = None,
    url: Annotated[Optional[str], typer.Option("--url", help="Only this account URL.")] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every entry (of --url/--connection if given).")
    ] = False,
    state_dir: StateDirOpt = None,
) -> int:
    """Drop ledger entries, after the records were deleted in ActiveCampaign: the next push creates them
    again."""
    from acorders.config import normalize_url
    from acorders.push.ledger import Ledger

    if not (cart or order or all_):
        raise UsageError("say what to forget: --cart ID, --order ID, or --all")
    if cart and order:
        raise UsageError("give --cart or --order, not both")
    kind, ext = ("cart", cart) if cart else ("order", order) if order else (None, None)
    with Ledger.open(state_dir) as ledger:
        count = ledger.forget(
            account=normalize_url(url) if url else None, connection=connection, kind=kind, ext=ext
        )
    environment().log(f"forgot {count} ledger entr{'y' if count == 1 else 'ies'}")
    return ExitStatus.OK if count or all_ else ExitStatus.INVALID
