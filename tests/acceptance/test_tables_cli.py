"""Issue 13, tables: on a terminal of 80 or 100 columns the values a user acts on (source:line, cart id,
field path, time) are never cut; piped, results are plain tab-separated rows (gh's convention) with no box
drawing, no header and no styling, and the one-line summary as before.

The CLI runs in-process (typer's CliRunner); ``terminal`` makes its stdout a terminal of COLUMNS columns.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

import acorders.environment
from tests.helpers import account_env, cart, sandbox, write_json, write_ndjson

BOX = re.compile("[\u2500-\u257f]")  # box drawing: ┏━┃│└ ...
ANSI = re.compile(r"\x1b\[")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")
CUT = ("\u2026", "...")  # what rich puts where it cut a value
DEEP = Path("carts/shop-eu-west/2026-12/woo-exports")  # 41 characters of folders before each file name


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout is a terminal (stderr stays a pipe: no progress bars to read around)."""
    monkeypatch.setattr(acorders.environment, "_isatty", lambda stream: stream is sys.stdout)


@pytest.fixture
def batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Long paths with an invalid cart, an NDJSON file with a bad line, and the same cart twice with
    different content. Returns what the screen must show, unbroken."""
    monkeypatch.chdir(tmp_path)
    write_json(DEEP / "woo-fixed-checkout-export.json", cart("cart-email-42", email="not-an-email"))
    write_ndjson(DEEP / "nightly.ndjson", [cart(1), cart(2), cart("cart-price-7", totalPrice=1.5)])
    write_json(DEEP / "dup-first.json", cart("cart-dup-9"))
    write_json(DEEP / "dup-second.json", cart("cart-dup-9", totalPrice=777))
    return {
        "email": f"{DEEP}/woo-fixed-checkout-export.json:1",
        "price": f"{DEEP}/nightly.ndjson:3",
        "dup": f"{DEEP}/dup-second.json:1",
        "first": f"{DEEP}/dup-first.json:1",  # inside the duplicate-cart message
    }


def assert_fits(out: str, columns: int) -> None:
    """Nothing cut, and every line fits the terminal unless it is one value too long for any layout."""
    out = COLOUR.sub("", out)
    for mark in CUT:
        assert mark not in out, out
    for line in out.splitlines():
        assert len(line) <= columns or " " not in line.strip(), f"{len(line)} > {columns}: {line!r}\n{out}"


@pytest.mark.parametrize("columns", [80, 100])
def test_validate_on_a_terminal_keeps_source_line_and_field_paths(
    run_cli, terminal, batch: dict[str, str], columns: int
) -> None:
    code, out, err = run_cli(["validate", "carts"], env={"COLUMNS": str(columns), "NO_COLOR": "1"})
    assert code == 1, err
    assert_fits(out, columns)
    for shown in (batch["email"], batch["price"], batch["dup"], batch["first"]):
        assert shown in out, f"{shown!r} not on the screen:\n{out}"
    for path in ("ecomOrder.email", "totalPrice", "ecomOrder.externalcheckoutid"):
        assert path in out
    assert "2 of 6 documents invalid in 4 files, 1 warning" in out


@pytest.mark.parametrize("columns", [80, 100])
def test_validate_on_a_terminal_shortens_absolute_paths_to_the_current_directory(
    run_cli, terminal, batch: dict[str, str], tmp_path: Path, columns: int
) -> None:
    code, out, _ = run_cli(["validate", str(tmp_path / "carts")], env={"COLUMNS": str(columns)})
    assert code == 1
    assert batch["email"] in out and batch["first"] in out and str(tmp_path) not in out
    assert_fits(out, columns)


@pytest.mark.parametrize("columns", [80, 100])
def test_push_on_a_terminal_keeps_cart_ids_and_field_paths(
    run_cli, terminal, batch: dict[str, str], tmp_path: Path, columns: int
) -> None:
    with sandbox() as sb:
        code, out, err = run_cli(
            ["push", "carts"], env={**account_env(sb, tmp_path / "state"), "COLUMNS": str(columns)}
        )
    assert code == 1, err
    assert_fits(out, columns)
    for cart_id in ("cart-email-42", "cart-price-7", "cart-00001", "cart-00002", "cart-dup-9"):
        assert cart_id in out
    for shown in (batch["email"], batch["price"], f"{DEEP}/nightly.ndjson:1"):
        assert shown in out, f"{shown!r} not on the screen:\n{out}"
    assert "ecomOrder.email" in out and "totalPrice" in out
    assert "carts/s" in out


def test_history_on_a_terminal_keeps_the_time(run_cli, terminal, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_json(DEEP / "a-cart-with-a-rather-long-file-name.json", cart("cart-history-1"))
    with sandbox() as sb:
        env = account_env(sb, tmp_path / "state")
        assert run_cli(["push", "carts"], env=env)[0] == 0
    _, raw, _ = run_cli(["history", "-o", "json"], env=env)
    [row] = json.loads(raw)["results"]
    for columns in (80, 100):
        code, out, err = run_cli(["history"], env={**env, "COLUMNS": str(columns)})
        assert code == 0, err
        assert_fits(out, columns)
        assert row["at"] in out and "cart-history-1" in out, out
        assert f"{DEEP}/a-cart-with-a-rather-long-file-name.json:1" in out


# --- piped: plain rows -------------------------------------------------------------------------------------


def test_validate_piped_is_tab_separated_rows_and_the_summary(run_cli, batch: dict[str, str]) -> None:
    code, out, err = run_cli(["validate", "carts"])
    assert code == 1, err
    assert not BOX.search(out) and not ANSI.search(out)
    *rows, summary = out.splitlines()
    assert summary == "\u2717 2 of 6 documents invalid in 4 files, 1 warning"
    fields = [row.split("\t") for row in rows]
    assert all(len(f) == 4 for f in fields), rows  # source:line, path, problem, severity; no header
    by_source = {f[0]: f for f in fields}
    assert by_source[batch["email"]][1] == "ecomOrder.email" and by_source[batch["email"]][3] == "error"
    assert by_source[batch["price"]][1:2] == ["totalPrice"]  # a bare order in NDJSON
    assert batch["first"] in by_source[batch["dup"]][2] and by_source[batch["dup"]][3] == "warning"


def test_validate_piped_keeps_long_messages_on_one_line(run_cli, tmp_path: Path, monkeypatch) -> None:
    """A mail reader or `less` gets one line per problem, however long, never wrapped at 160 columns."""
    monkeypatch.chdir(tmp_path)
    write_json(tmp_path / ("x" * 150) / "cart.json", cart("c", email="not-an-email"))
    _, out, _ = run_cli(["validate", "."])
    [row, _summary] = out.splitlines()
    assert row.startswith("./" + "x" * 150 + "/cart.json:1\tecomOrder.email\t")


def test_push_piped_is_one_tab_separated_row_per_cart(run_cli, batch: dict[str, str], tmp_path: Path) -> None:
    with sandbox() as sb:
        code, out, err = run_cli(["push", "carts"], env=account_env(sb, tmp_path / "state"))
    assert code == 1, err
    assert not BOX.search(out) and not ANSI.search(out)
    *rows, summary = out.splitlines()
    assert summary.startswith("\u2717 ") and "carts/s" in summary
    fields = {row.split("\t")[0]: row.split("\t") for row in rows}
    assert all(len(f) == 6 for f in fields.values()), rows  # source:line cart result id HTTP problems
    email = fields[batch["email"]]
    assert email[1:3] == ["cart-email-42", "invalid"] and email[5].startswith("ecomOrder.email: ")
    created = fields[f"{DEEP}/nightly.ndjson:1"]
    assert created[1:3] == ["cart-00001", "created"] and created[3].isdigit() and created[4] == "201"


def test_lists_piped_are_tab_separated_rows_without_header(run_cli, tmp_path: Path) -> None:
    write_json(tmp_path / "carts" / "a.json", cart("cart-piped-1"))
    with sandbox() as sb:
        env = account_env(sb, tmp_path / "state")
        assert run_cli(["push", str(tmp_path / "carts")], env=env)[0] == 0
        code, out, err = run_cli(["connections", "list"], env=env)
        assert code == 0, err
        assert not BOX.search(out)
        rows = [line.split("\t") for line in out.splitlines()]
        assert [r[0] for r in rows] == ["1"] and all(len(r) == 5 for r in rows)  # id service externalid ...
    code, out, err = run_cli(["history"], env=env)
    assert code == 0, err
    assert not BOX.search(out)
    [row] = [line.split("\t") for line in out.splitlines()]
    assert len(row) == 9 and row[1:4] == ["cart", "cart-piped-1", "created"]
    assert row[7] == f"{tmp_path / 'carts' / 'a.json'}:1"


def test_an_empty_list_piped_writes_no_rows(run_cli, tmp_path: Path) -> None:
    code, out, err = run_cli(["history"], env={"ACORDERS_STATE_DIR": str(tmp_path / "state")})
    assert code == 0
    assert out == ""  # `| wc -l` counts 0
    assert "no history" in err
