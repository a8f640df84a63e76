"""Issue 13: list commands page through everything by default, or stop at --limit N and say
"showing N of M" (on stderr: stdout keeps only rows); history takes --limit, --cart and --action, and its
-o json has the envelope of push and validate: {"ok", "results", "summary"}."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import acorders.environment
from acorders.sandbox import Sandbox
from tests.helpers import account_env, cart, sandbox, write_json

CUSTOMERS = 251
CONNECTIONS = 126


@pytest.fixture(scope="module")
def big() -> Iterator[Sandbox]:
    """An account with 251 customers and 126 connections (the issue's numbers)."""
    with sandbox() as sb:
        for i in range(CONNECTIONS):
            sb.store.insert("connection", {"service": "shop", "externalid": f"shop-{i}", "name": f"S{i}"})
        for i in range(CUSTOMERS):
            sb.store.insert(
                "customer", {"connectionid": "1", "externalid": f"c{i}", "email": f"c{i}@example.com"}
            )
        yield sb


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(acorders.environment, "_isatty", lambda stream: stream is sys.stdout)


@pytest.mark.parametrize(("command", "total"), [("customers", CUSTOMERS), ("connections", CONNECTIONS)])
def test_lists_page_through_everything_by_default(
    run_cli, big: Sandbox, tmp_path: Path, command, total
) -> None:
    env = account_env(big, tmp_path / "s")
    code, out, err = run_cli([command, "list", "-o", "json"], env=env)
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == total and len({r["id"] for r in rows}) == total
    code, out, err = run_cli([command, "list"], env=env)  # piped: one row per record
    assert code == 0, err
    assert len(out.splitlines()) == total
    assert "showing" not in err


@pytest.mark.parametrize(("command", "total"), [("customers", CUSTOMERS), ("connections", CONNECTIONS)])
def test_a_limited_list_says_showing_n_of_m(run_cli, big: Sandbox, tmp_path: Path, command, total) -> None:
    env = account_env(big, tmp_path / "s")
    code, out, err = run_cli([command, "list", "--limit", "120"], env=env)
    assert code == 0, err
    assert len(out.splitlines()) == min(120, total)
    if total > 120:
        assert f"showing 120 of {total} {command}" in err
    else:
        assert "showing" not in err
    code, out, err = run_cli([command, "list", "--limit", "5", "-o", "json"], env=env)
    assert code == 0, err
    assert len(json.loads(out)) == 5 and f"showing 5 of {total}" in err


@pytest.mark.parametrize("columns", [80, 100])
def test_a_limited_list_on_a_terminal_says_so(
    run_cli, terminal, big: Sandbox, tmp_path: Path, columns
) -> None:
    env = {**account_env(big, tmp_path / "s"), "COLUMNS": str(columns)}
    code, out, err = run_cli(["customers", "list", "--limit", "3"], env=env)
    assert code == 0, err
    assert "c2@example.com" in out and "c3@example.com" not in out
    assert f"showing 3 of {CUSTOMERS} customers" in out + err


def test_limit_must_be_positive(run_cli, big: Sandbox, tmp_path: Path) -> None:
    code, out, err = run_cli(["customers", "list", "--limit", "0"], env=account_env(big, tmp_path / "s"))
    assert code == 2 and out == ""
    assert "--limit" in err and "Traceback" not in err


# --- history --------------------------------------------------------------------------------------------


@pytest.fixture
def pushed(run_cli, tmp_path: Path) -> dict[str, str]:
    """Five carts pushed, then one of them changed and pushed again: six history rows."""
    folder = tmp_path / "carts"
    for i in range(5):
        write_json(folder / f"c{i}.json", cart(f"cart-h-{i}"))
    with sandbox() as sb:
        env = account_env(sb, tmp_path / "s")
        assert run_cli(["push", str(folder)], env=env)[0] == 0
        write_json(folder / "c2.json", cart("cart-h-2", totalPrice=9999))
        assert run_cli(["push", str(folder)], env=env)[0] == 0
    return env


def test_history_json_has_the_push_envelope(run_cli, pushed: dict[str, str]) -> None:
    code, out, err = run_cli(["history", "-o", "json"], env=pushed)
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"ok", "results", "summary"} and data["ok"] is True
    assert len(data["results"]) == 6 and data["summary"]["entries"] == 6


def test_history_limit_cart_and_action(run_cli, pushed: dict[str, str]) -> None:
    code, out, err = run_cli(["history", "--limit", "2", "-o", "json"], env=pushed)
    assert code == 0, err
    data = json.loads(out)
    assert len(data["results"]) == 2 and data["summary"]["entries"] == 6
    assert "showing 2 of 6" in err
    _, out, _ = run_cli(["history", "--cart", "cart-h-2", "-o", "json"], env=pushed)
    rows = json.loads(out)["results"]
    assert [r["action"] for r in rows] and {r["ext"] for r in rows} == {"cart-h-2"} and len(rows) == 2
    _, out, _ = run_cli(["history", "--action", "updated", "-o", "json"], env=pushed)
    rows = json.loads(out)["results"]
    assert [(r["ext"], r["action"]) for r in rows] == [("cart-h-2", "updated")]
    code, out, _ = run_cli(["history", "--action", "created"], env=pushed)  # piped rows
    assert code == 0 and len(out.splitlines()) == 5


def test_history_rejects_an_unknown_action(run_cli, pushed: dict[str, str]) -> None:
    code, out, err = run_cli(["history", "--action", "creatd"], env=pushed)
    assert code == 2 and out == "" and "created" in err and "Traceback" not in err


# --- -q: only problems ----------------------------------------------------------------------------------


def test_check_quiet_prints_nothing_when_the_key_works(run_cli, big: Sandbox, tmp_path: Path) -> None:
    env = account_env(big, tmp_path / "s")
    code, out, err = run_cli(["check", "-q"], env=env)
    assert code == 0 and out == "", err
    code, out, err = run_cli(["check", "-q"], env={**env, "ACTIVECAMPAIGN_API_KEY": "wrong-key-123456"})
    assert code == 3 and out == "" and "key" in err  # the problem still says what to do


def test_history_ndjson_is_a_row_a_line_with_the_summary_on_stderr(run_cli, pushed: dict[str, str]) -> None:
    code, out, err = run_cli(["history", "-o", "ndjson", "--limit", "4"], env=pushed)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 4 and all("ext" in r for r in rows)
    summary = json.loads(err.splitlines()[0])
    assert summary == {"ok": True, "summary": {"entries": 6, "shown": 4}}


@pytest.mark.parametrize("columns", [80, 100])
def test_history_limit_on_a_terminal_says_so(run_cli, terminal, pushed: dict[str, str], columns: int) -> None:
    code, out, err = run_cli(["history", "--limit", "1"], env={**pushed, "COLUMNS": str(columns)})
    assert code == 0, err
    assert "cart-h-2" in out and "updated" in out and "cart-h-0" not in out  # the latest entry
    assert "showing 1 of 6 history entries" in out
