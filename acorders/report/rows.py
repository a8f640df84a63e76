"""Rows of the account and ledger commands (connections, customers, history) as a table, JSON or NDJSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from acorders.environment import Environment


def render_rows(
    env: Environment,
    rows: list[dict[str, Any]],
    columns: Sequence[str],
    output: str,
    title: str | None = None,
) -> None:
    """A rich table on a terminal, or JSON/NDJSON of the same rows."""
    if output == "json":
        env.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if output == "ndjson":
        for row in rows:
            env.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(*columns, title=title, header_style="bold")
    for row in rows:
        table.add_row(*(escape("" if row.get(c) is None else str(row.get(c))) for c in columns))
    env.console().print(table if rows else f"[dim]no {title or 'rows'}[/]")


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
        env.console().print(f"[green]✓[/] {url}: key accepted (user {who}; key {masked_key})")
        render_rows(env, connections, ["id", "service", "externalid", "name"], output, "connections")
        return
    report = {"ok": True, "url": url, "user": user.get("username"), "connections": connections}
    env.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
