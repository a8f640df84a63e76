"""`acorders push` when the ledger fails under it, end to end (in-process CLI, the sandbox on 127.0.0.1):
the disk fills mid-run, pages are damaged, another program keeps the database busy. The run stops
sending, says what was done in one complete JSON document, and exits 4 (3 for a damaged ledger) with a
message that says what to do; a rerun afterwards pushes every cart exactly once."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

import acorders.push.ledger as ledger_module
from acorders.push import ledger_file
from tests.conftest import RunCli
from tests.helpers import account_env, ledger_rows, records_per_checkout, sandbox, write_carts
from tests.unit.test_ledger_errors import damage

N = 120


def test_disk_full_mid_run_stops_reports_every_cart_and_exits_4(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    outbox = tmp_path / "outbox"
    write_carts(outbox, N)
    set_up = ledger_file.set_up

    def small_disk(db: sqlite3.Connection) -> None:  # room for a few dozen carts, then SQLITE_FULL
        set_up(db)
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0] + 2}")

    with sandbox() as sb:
        env = account_env(sb, state)
        monkeypatch.setattr(ledger_module, "set_up", small_disk)
        code, out, err = run_cli(
            ["push", str(outbox), "-o", "json", "--workers", "4", "--rate", "1000"], env=env
        )
        monkeypatch.setattr(ledger_module, "set_up", set_up)
        assert code == 4, err
        assert "unexpected" not in err and "internal error" not in out
        report = json.loads(out)  # one complete document
        assert len(report["results"]) == N
        stopped = report["summary"]["stopped"]
        assert "ledger" in stopped and "database or disk is full" in stopped
        created = {r["externalcheckoutid"]: r["id"] for r in report["results"] if r["action"] == "created"}
        in_sandbox = {o["externalcheckoutid"]: o["id"] for o in sb.store.orders()}
        assert 0 < len(in_sandbox) < N
        assert created == in_sandbox  # every cart that reached ActiveCampaign is reported, with its id
        rows = {r["ext"]: r for r in ledger_rows(state)}
        assert set(in_sandbox) <= set(rows)  # ... and has at least its intent in the ledger

        code, out, err = run_cli(["push", str(outbox), "-o", "json", "--rate", "1000"], env=env)
        assert code == 0, err
        assert records_per_checkout(sb) == {f"cart-{i:05d}": 1 for i in range(N)}


def test_a_damaged_ledger_exits_3_and_says_how_to_recover(run_cli: RunCli, tmp_path: Path) -> None:
    state = tmp_path / "state"
    outbox = tmp_path / "outbox"
    write_carts(outbox, 300)
    with sandbox() as sb:
        env = account_env(sb, state)
        code, _, err = run_cli(["push", str(outbox), "-o", "json", "--rate", "1000"], env=env)
        assert code == 0, err
        damage(state / "ledger.sqlite3")
        before = sb.count()
        for args in (["push", str(outbox)], ["push", "--dry-run", str(outbox)], ["history"]):
            code, out, err = run_cli([*args, "--state-dir", str(state)], env=env)
            assert code == 3, (args, err)  # before: "unexpected DatabaseError", exit 1
            assert "damaged" in err and "move it aside" in err and "unexpected" not in err, err
        assert sb.count() == before  # nothing was sent
        (state / "ledger.sqlite3").rename(state / "ledger.sqlite3.damaged")  # what the hint says
        code, out, err = run_cli(["push", str(outbox), "-o", "json", "--rate", "1000"], env=env)
        assert code == 0, err
        assert {r["action"] for r in json.loads(out)["results"]} == {"updated"}  # found by look-ups
        assert records_per_checkout(sb) == {f"cart-{i:05d}": 1 for i in range(300)}


def test_a_ledger_busy_for_longer_than_wait_gets_a_clear_message(run_cli: RunCli, tmp_path: Path) -> None:
    state = tmp_path / "state"
    outbox = tmp_path / "outbox"
    write_carts(outbox, 3)
    with sandbox() as sb:
        env = account_env(sb, state)
        code, _, err = run_cli(["push", "--dry-run", str(outbox)], env=env)  # creates the ledger
        assert code == 0, err
        blocker = sqlite3.connect(str(state / "ledger.sqlite3"), isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another program writing, and never done
        try:
            started = time.monotonic()
            code, out, err = run_cli(["push", str(outbox), "-o", "json", "--wait", "1"], env=env)
            took = time.monotonic() - started
        finally:
            blocker.close()
        assert sb.count("POST") == 0
    assert code == 4, err
    assert took < 10  # --wait, not SQLite's 30 s per statement
    report = json.loads(out)
    stopped = report["summary"]["stopped"]
    assert "busy" in stopped and "internal error" not in out, out
