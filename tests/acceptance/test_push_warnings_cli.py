"""Issue 13: push shows what validate warns about (per cart, in the table and in JSON, counted in the
summary), ``--strict`` still refuses those carts, and ``push -q`` prints only problems.

The CLI runs in-process (typer's CliRunner); ``terminal`` makes its stdout a terminal of COLUMNS columns.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import acorders.environment
from tests.helpers import account_env, cart, json_results, sandbox, write_json

FUTURE = "2099-01-01T00:00:00Z"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(acorders.environment, "_isatty", lambda stream: stream is sys.stdout)


@pytest.fixture
def warned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cart abandoned in the future, a cart with source 0, the same cart twice with different content,
    and one clean cart."""
    monkeypatch.chdir(tmp_path)
    folder = Path("carts")
    write_json(folder / "future.json", cart("cart-future", abandonedDate=FUTURE))
    write_json(folder / "source0.json", cart("cart-source0", source="0"))
    write_json(folder / "dup-a.json", cart("cart-dup"))
    write_json(folder / "dup-b.json", cart("cart-dup", totalPrice=777))
    write_json(folder / "clean.json", cart("cart-clean"))
    return folder


def _by_cart(data: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in data["results"]:
        out.setdefault(r["externalcheckoutid"], []).append(r)
    return out


def test_push_json_lists_each_carts_warnings_and_counts_them(run_cli, warned: Path, tmp_path: Path) -> None:
    with sandbox() as sb:
        code, out, err = run_cli(["push", "-o", "json", str(warned)], env=account_env(sb, tmp_path / "s"))
    assert code == 0, err
    data = json_results(out)
    carts = _by_cart(data)
    [future] = carts["cart-future"]
    assert future["action"] == "created"
    assert [w["path"] for w in future["warnings"]] == ["ecomOrder.abandonedDate"]
    assert "future" in future["warnings"][0]["message"]
    [source0] = carts["cart-source0"]
    assert [w["path"] for w in source0["warnings"]] == ["ecomOrder.source"]
    dup_warnings = [w for r in carts["cart-dup"] for w in r["warnings"]]
    assert any("dup-a.json" in w["message"] for w in dup_warnings), dup_warnings
    assert carts["cart-clean"][0]["warnings"] == []
    assert data["summary"]["warnings"] == 3


def test_push_piped_shows_warnings_in_the_row_and_the_summary(run_cli, warned: Path, tmp_path: Path) -> None:
    with sandbox() as sb:
        code, out, err = run_cli(["push", str(warned)], env=account_env(sb, tmp_path / "s"))
    assert code == 0, err
    *rows, summary = out.splitlines()
    fields = {r.split("\t")[0]: r.split("\t") for r in rows}
    assert all(len(f) == 6 for f in fields.values()), rows
    future = fields["carts/future.json:1"]
    assert future[2] == "created" and "warning: ecomOrder.abandonedDate: " in future[5], future
    assert "3 warnings" in summary, summary


@pytest.mark.parametrize("columns", [80, 100])
def test_push_on_a_terminal_shows_warnings_per_cart(
    run_cli, terminal, warned: Path, tmp_path: Path, columns: int
) -> None:
    with sandbox() as sb:
        env = {**account_env(sb, tmp_path / "s"), "COLUMNS": str(columns), "NO_COLOR": "1"}
        code, out, err = run_cli(["push", str(warned)], env=env)
    assert code == 0, err
    assert "carts/future.json:1" in out and "cart-future" in out
    assert "ecomOrder.abandonedDate" in out and "ecomOrder.source" in out
    assert "3 warnings" in out


def test_push_strict_still_refuses_the_warned_carts(run_cli, warned: Path, tmp_path: Path) -> None:
    with sandbox() as sb:
        code, out, _ = run_cli(
            ["push", "--strict", "-o", "json", str(warned)], env=account_env(sb, tmp_path / "s")
        )
    assert code == 1
    carts = _by_cart(json_results(out))
    assert carts["cart-future"][0]["action"] == "invalid"
    assert carts["cart-source0"][0]["action"] == "invalid"
    assert carts["cart-clean"][0]["action"] == "created"


def test_dry_run_and_unchanged_reruns_keep_the_warnings(run_cli, warned: Path, tmp_path: Path) -> None:
    with sandbox() as sb:
        env = account_env(sb, tmp_path / "s")
        _, out, _ = run_cli(["push", "--dry-run", "-o", "json", str(warned)], env=env)
        assert _by_cart(json.loads(out))["cart-future"][0]["warnings"], out
        assert run_cli(["push", str(warned)], env=env)[0] == 0
        _, out, _ = run_cli(["push", "-o", "json", str(warned)], env=env)
    [future] = _by_cart(json.loads(out))["cart-future"]
    assert future["action"] == "unchanged" and future["warnings"], future


# --- -q: only problems ---------------------------------------------------------------------------------


def test_push_quiet_prints_nothing_when_everything_went_through(run_cli, tmp_path: Path) -> None:
    write_json(tmp_path / "carts" / "a.json", cart("cart-q-1"))
    write_json(tmp_path / "carts" / "b.json", cart("cart-q-2"))
    with sandbox() as sb:
        code, out, err = run_cli(["push", "-q", str(tmp_path / "carts")], env=account_env(sb, tmp_path / "s"))
    assert code == 0, err
    assert out == ""


@pytest.mark.parametrize("columns", [80, 100])
def test_push_quiet_on_a_terminal_prints_nothing_when_everything_went_through(
    run_cli, terminal, tmp_path: Path, columns: int
) -> None:
    write_json(tmp_path / "carts" / "a.json", cart("cart-q-1"))
    with sandbox() as sb:
        env = {**account_env(sb, tmp_path / "s"), "COLUMNS": str(columns)}
        code, out, err = run_cli(["push", "-q", str(tmp_path / "carts")], env=env)
    assert code == 0, err
    assert out == ""


def test_push_quiet_prints_only_the_problem_rows(run_cli, warned: Path, tmp_path: Path) -> None:
    write_json(warned / "bad.json", cart("cart-bad", email="not-an-email"))
    with sandbox() as sb:
        code, out, _ = run_cli(["push", "-q", str(warned)], env=account_env(sb, tmp_path / "s"))
    assert code == 1
    *rows, summary = out.splitlines()
    shown = {r.split("\t")[0] for r in rows}
    assert "carts/bad.json:1" in shown and "carts/future.json:1" in shown and "carts/source0.json:1" in shown
    assert "carts/clean.json:1" not in shown, rows
    assert summary.startswith("\u2717 ")
