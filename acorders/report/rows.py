"""Rows of the account and ledger commands (connections, customers, history) as a table, JSON or NDJSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from acorders.environment import Environment
from acorders.report.layout import Col, print_rows, shown_path, write_plain

FREE_TEXT = ("error", "name")  # the columns that may wrap on a terminal; ids, times and paths never do


def render_rows(
    env: Environment,
    rows: list[dict[str, Any]],
    columns: Sequence[str],
    output: str,
    title: str | None = None,
    *,
    total: int | None = None,
    limit: int | None = None,
    noun: str | None = None,
) -> None:
    """Rows on a terminal that never cut an id, a time or a path; plain rows piped; or JSON/NDJSON.
    ``total`` (what the list holds) and ``limit`` (where it was cut): a list that stops early says so."""
    note = stopped_early(len(rows), total, limit, noun or title or "rows")
    if output in ("json", "ndjson"):
        if output == "json":
            env.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        for row in rows if output == "ndjson" else ():
            env.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        if note:
            env.log(note)  # stdout stays the records a script reads
        return
    _render_table(env, rows, columns, title)
    if note and env.plain:
        env.log(note)
    elif note:
        env.console().print(f"[dim]{note}[/]")


def render_results(
    env: Environment, rows: list[dict[str, Any]], output: str, summary: dict[str, Any], what: str
) -> None:
    """Rows as -o json of push and validate: {"ok", "results", "summary"} (NDJSON: a row a line, and the
    summary on stderr), so one script reads every command's output alike."""
    if output == "ndjson":
        for row in rows:
            env.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        env.log(json.dumps({"ok": True, "summary": summary}))
    else:
        report = {"ok": True, "results": rows, "summary": summary}
        env.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    note = stopped_early(summary["shown"], summary["entries"], None, what)
    if note:
        env.log(note)


def stopped_early(shown: int, total: int | None, limit: int | None, what: str) -> str | None:
    """Says "showing N of M" when a list shows fewer records than it holds (or may hold: no total, and
    cut at the limit), so that nobody takes one page for the whole account; None when it is whole."""
    if total is not None and shown < total:
        return f"showing {shown} of {total} {what} (a larger --limit, or none, shows more)"
    if total is None and limit is not None and shown >= limit:
        return f"showing the first {shown} {what}; there may be more (a larger --limit shows them)"
    return None


def _render_table(
    env: Environment, rows: list[dict[str, Any]], columns: Sequence[str], title: str | None
) -> None:
    values = [["" if row.get(c) is None else str(row.get(c)) for c in columns] for row in rows]
    if env.plain:  # tab-separated, no header: `| cut -f3`, `| wc -l` (an empty list says so on stderr)
        write_plain(env.stdout, values)
        if not rows:
            env.log(f"no {title or 'rows'}")
        return
    from rich.text import Text

    console = env.console()
    if not rows:
        console.print(f"[dim]no {title or 'rows'}[/]")
        return
    if title:
        console.print(Text(title, style="italic"))
    cols = [Col(c, fold=c in FREE_TEXT) for c in columns]
    print_rows(
        console, cols, [[Text(_shown(c, v)) for c, v in zip(columns, row, strict=True)] for row in values]
    )


def _shown(column: str, value: str) -> str:
    return shown_path(value) if column == "source" else value


def render_check(
    env: Environment,
    url: str,
    user: dict[str, Any],
    masked_key: str,
    connections: list[dict[str, Any]],
    output: str,
) -> None:
    """`acorders check`: the key accepted, by whom, and the account's connections."""
    if output == "table":
        who = user.get("username") or user.get("email") or user.get("id")
        line = f"✓ {url}: key accepted (user {who}; key {masked_key})"
        if env.plain:
            env.stdout.write(line + "\n")
        else:
            from rich.text import Text

            env.console().print(Text.assemble(("✓", "green"), line[1:]))
        render_rows(env, connections, ["id", "service", "externalid", "name"], output, "connections")
        return
    report = {"ok": True, "url": url, "user": user.get("username"), "connections": connections}
    env.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
