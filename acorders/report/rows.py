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
) -> None:
    """Rows on a terminal that never cut an id, a time or a path; plain rows piped; or JSON/NDJSON."""
    if output == "json":
        env.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if output == "ndjson":
        for row in rows:
            env.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
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
