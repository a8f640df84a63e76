"""`acorders push` end to end: the real CLI (in-process, typer's CliRunner) against the sandbox on 127.0.0.1,
with the ledger in tmp_path. One test per action, the output formats, the account checks, spool mode,
history/forget and customer resolution."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

import acorders.api.retry
from acorders import load
from acorders.push.ledger import DONE, Key, Ledger
from acorders.sandbox import Sandbox
from tests.helpers import (
    KEY,
    SAMPLES,
    SECRET_KEY,
    account_env,
    actions,
    cart,
    documents,
    json_results,
    ledger_rows,
    records_per_checkout,
    sandbox,
    write_carts,
    write_json,
    write_ndjson,
)

RESULT_KEYS = {"source", "line", "externalcheckoutid", "externalid", "action", "id", "status", "errors"}
ACTIONS = {
    "created",
    "updated",
    "unchanged",
    "recovered",
    "invalid",
    "rejected",
    "failed",
    "planned",
    "skipped",
}
REQUEST_LINE = re.compile(r"^(GET|POST|PUT|DELETE) (/\S+) (\d{3}) \d+ ms")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff of a few milliseconds instead of seconds (attempt counts and logic unchanged)."""
    monkeypatch.setattr(acorders.api.retry, "BACKOFF_BASE", 0.001)
    monkeypatch.setattr(acorders.api.retry, "BACKOFF_CAP", 0.01)


@pytest.fixture
def push(run_cli, sb: Sandbox, state: Path):
    """push(*args, env=..., state_dir=...) -> (code, stdout, stderr) against ``sb``; --rate 1000 unless
    given."""

    def run(
        *args: str,
        key: str = KEY,
        state_dir: Path | None = None,
        env: dict[str, Any] | None = None,
        target: Sandbox | None = None,
        rate: bool = True,
    ) -> tuple[int, str, str]:
        full_env = account_env(target or sb, state_dir or state, key)
        full_env.update(env or {})
        extra = ["--rate", "1000"] if rate and "--rate" not in args else []
        return run_cli(["push", *args, *extra], env=full_env)

    return run


def pushed(out: str) -> dict[str, Any]:
    return json_results(out)


def by_checkout(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["externalcheckoutid"]: r for r in data["results"]}


# --- the main command ---------------------------------------------------------------------------------


def sample_documents() -> int:
    return sum(1 for _ in documents(load.collect_sources([str(SAMPLES)])))


def test_push_sandbox_samples(run_cli, tmp_path: Path) -> None:
    code, out, err = run_cli(["push", "--sandbox", str(SAMPLES), "-o", "json", "--rate", "1000"])
    assert code == 0, err
    data = pushed(out)
    assert data["ok"] is True
    assert len(data["results"]) == sample_documents() >= 5
    assert {r["action"] for r in data["results"]} == {"created"}
    assert len({r["id"] for r in data["results"]}) == len(data["results"])


def test_push_sandbox_samples_table(run_cli) -> None:
    """The README's main command, as a user types it: a table and a summary line."""
    code, out, err = run_cli(["push", "--sandbox", str(SAMPLES)])
    assert code == 0, err
    assert out.count("created") >= sample_documents()
    assert "reference-cart.json" in out
    assert "carts/s" in out


def test_created_then_unchanged_sends_zero_requests(push, sb: Sandbox, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 5)
    code, out, err = push(str(tmp_path / "outbox"), "-o", "json")
    assert code == 0, err
    data = pushed(out)
    assert actions(data) == {"created": 5}
    assert all(r["id"] and r["status"] == 201 for r in data["results"])
    assert records_per_checkout(sb) == {f"cart-{i:05d}": 1 for i in range(5)}

    before = sb.count()
    code, out, err = push(str(tmp_path / "outbox"), "-o", "json")
    assert code == 0, err
    data = pushed(out)
    assert actions(data) == {"unchanged": 5}
    assert sb.count() == before  # ZERO requests reached the sandbox
    assert data["summary"]["requests"] == 0


def test_a_rerun_with_nothing_to_send_opens_no_connection(
    push, sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cron rerun over unchanged carts never builds the HTTP client (requests costs ~0.1 s to load)."""
    write_carts(tmp_path / "outbox", 3)
    assert push(str(tmp_path / "outbox"))[0] == 0

    def no_client(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the HTTP client was built for a run with nothing to send")

    monkeypatch.setattr("acorders.push.runner.build_client", no_client)
    code, out, err = push(str(tmp_path / "outbox"), "-o", "json")
    assert code == 0, err
    assert actions(pushed(out)) == {"unchanged": 3}
    write_carts(tmp_path / "outbox", 4)  # one new cart: now the client is needed
    code, out, err = push(str(tmp_path / "outbox"), "-o", "json")
    assert code != 0 and "the HTTP client was built" in out + err


def test_updated_is_a_put_with_source_0(push, sb: Sandbox, tmp_path: Path) -> None:
    path = write_json(tmp_path / "c.json", cart(1))
    assert push(str(path))[0] == 0
    ac_id = sb.store.orders()[0]["id"]
    write_json(path, cart(1, totalPrice="12345", externalUpdatedDate="2016-09-15T10:00:00-04:00"))
    before = len(sb.requests)
    code, out, err = push(str(path), "-o", "json")
    assert code == 0, err
    (result,) = pushed(out)["results"]
    assert (result["action"], result["id"], result["status"]) == ("updated", ac_id, 200)
    (put,) = sb.requests[before:]
    assert (put.method, put.path) == ("PUT", f"/api/3/ecomOrders/{ac_id}")
    assert str(put.body["ecomOrder"]["source"]) == "0"
    assert put.body["ecomOrder"]["totalPrice"] == "12345"
    assert len(sb.store.orders()) == 1 and sb.store.orders()[0]["totalPrice"] == "12345"


def test_recovered(push, sb: Sandbox, tmp_path: Path) -> None:
    write_json(tmp_path / "carts" / "c.json", cart(7))
    assert push(str(tmp_path / "carts"))[0] == 0
    ac_id = sb.store.orders()[0]["id"]
    order = cart(7, externalid="order-7", orderNumber="#7", abandonedDate=None)
    write_json(tmp_path / "orders" / "o.json", order)
    before = len(sb.requests)
    code, out, err = push(str(tmp_path / "orders"), "-o", "json")
    assert code == 0, err
    (result,) = pushed(out)["results"]
    assert (result["action"], result["id"], result["externalid"]) == ("recovered", ac_id, "order-7")
    assert [(r.method, r.path) for r in sb.requests[before:]] == [("PUT", f"/api/3/ecomOrders/{ac_id}")]
    records = sb.store.orders()
    assert len(records) == 1
    assert records[0]["state"] == "3" and records[0]["externalid"] == "order-7"
    # the whole outbox again: nothing to do
    before = len(sb.requests)
    code, out, _ = push(str(tmp_path / "carts"), str(tmp_path / "orders"), "-o", "json")
    assert code == 0 and actions(pushed(out)) == {"unchanged": 2}
    assert len(sb.requests) == before


def test_invalid_is_never_sent(push, sb: Sandbox, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 2)
    write_json(tmp_path / "outbox" / "bad.json", cart("bad-1", totalPrice="49.99", email="not-an-email"))
    code, out, err = push(str(tmp_path / "outbox"), "-o", "json")
    assert code == 1, err
    data = pushed(out)
    assert data["ok"] is False
    assert actions(data) == {"created": 2, "invalid": 1}
    bad = by_checkout(data)["bad-1"]
    assert bad["id"] is None and bad["status"] is None
    assert {e["path"] for e in bad["errors"]} >= {"ecomOrder.totalPrice", "ecomOrder.email"}
    assert "bad-1" not in records_per_checkout(sb)
    assert not any(
        (r.body or {}).get("ecomOrder", {}).get("externalcheckoutid") == "bad-1" for r in sb.requests
    )


def test_rejected_errors_mapped_others_created(run_cli, tmp_path: Path) -> None:
    with sandbox(strict=True) as sb:
        conn = sb.store.insert(
            "connection", {"service": "shop", "externalid": "shop.example", "name": "Shop"}
        )
        cust = sb.store.insert(
            "customer", {"connectionid": conn["id"], "externalid": "alice", "email": "alice@example.com"}
        )
        write_carts(tmp_path / "outbox", 3, connectionid=conn["id"], customerid=cust["id"])
        write_json(
            tmp_path / "outbox" / "zz-unknown.json",
            cart("unknown-conn", connectionid="999", customerid=cust["id"]),
        )
        code, out, err = run_cli(
            ["push", str(tmp_path / "outbox"), "-o", "json", "--rate", "1000"],
            env=account_env(sb, tmp_path / "state"),
        )
        assert code == 1, err
        data = pushed(out)
        assert actions(data) == {"created": 3, "rejected": 1}
        rejected = by_checkout(data)["unknown-conn"]
        assert rejected["status"] == 422
        assert "ecomOrder.connectionid" in {e["path"] for e in rejected["errors"]}
        assert all(e["message"] for e in rejected["errors"])
        assert len(sb.store.orders()) == 3

        code, out, _ = run_cli(["push", str(tmp_path / "outbox")], env=account_env(sb, tmp_path / "state"))
        assert code == 1
        assert "rejected" in out and "ecomOrder.connectionid" in out


def test_failed_exit_4_then_rerun_creates_once(push, sb: Sandbox, tmp_path: Path, fast_retries: None) -> None:
    path = write_json(tmp_path / "c.json", cart(3))
    sb.fail_next(500, status=503)
    code, out, err = push(str(path), "-o", "json")
    sb._faults.clear()  # the API is back
    assert code == 4, err
    (result,) = pushed(out)["results"]
    assert result["action"] == "failed" and "503" in result["errors"][0]["message"]
    assert sb.store.orders() == []
    code, out, err = push(str(path), "-o", "json")
    assert code == 0, err
    assert pushed(out)["results"][0]["action"] == "created"
    assert records_per_checkout(sb) == {"cart-00003": 1}


def test_ambiguous_post_is_created_exactly_once(push, sb: Sandbox, tmp_path: Path) -> None:
    path = write_json(tmp_path / "c.json", cart(4))
    sb.drop_next(1)
    code, out, err = push(str(path), "-o", "json")
    assert code == 0, err
    assert pushed(out)["results"][0]["action"] == "created"
    assert sb.count("POST", "/api/3/ecomOrders") == 1
    assert records_per_checkout(sb) == {"cart-00004": 1}


@pytest.mark.parametrize("duplicates", ["reject", "accept"])
def test_not_in_the_ledger_no_duplicates(run_cli, tmp_path: Path, duplicates: str) -> None:
    with sandbox(duplicates=duplicates) as sb:
        write_carts(tmp_path / "outbox", 6)
        write_json(tmp_path / "single" / "one.json", cart(100))
        for state in ("A", "B"):
            for folder in ("outbox", "single"):
                code, out, err = run_cli(
                    ["push", str(tmp_path / folder), "-o", "json", "--rate", "1000"],
                    env=account_env(sb, tmp_path / state),
                )
                assert code == 0, err
                assert actions(pushed(out)) == {
                    "created" if state == "A" else "updated": 6 if folder == "outbox" else 1
                }
        expected = {f"cart-{i:05d}": 1 for i in [*range(6), 100]}
        assert records_per_checkout(sb) == expected


# --- output formats -----------------------------------------------------------------------------------


def test_json_shape(push, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 2)
    write_ndjson(tmp_path / "outbox" / "more.ndjson", [cart(10), {"externalcheckoutid": "x"}])
    code, out, err = push(str(tmp_path / "outbox"), "-o", "json")
    assert code == 1
    data = json.loads(out)
    assert isinstance(data["ok"], bool) and data["ok"] is False
    assert isinstance(data["summary"], dict)
    assert data["summary"]["created"] == 3 and data["summary"]["invalid"] == 1
    for r in data["results"]:
        assert set(r) >= RESULT_KEYS
        assert isinstance(r["source"], str)
        assert r["line"] is None or isinstance(r["line"], int)
        assert r["action"] in ACTIONS
        assert r["id"] is None or isinstance(r["id"], str)
        assert r["status"] is None or isinstance(r["status"], int)
        for e in r["errors"]:
            assert set(e) >= {"path", "message"} and isinstance(e["message"], str)
    lines = sorted((r["source"].rsplit("/", 1)[-1], r["line"]) for r in data["results"])
    assert lines == [("cart-00000.json", 1), ("cart-00001.json", 1), ("more.ndjson", 1), ("more.ndjson", 2)]
    created = [r for r in data["results"] if r["action"] == "created"]
    assert all(
        r["externalcheckoutid"] and r["externalid"] is None and r["id"] and r["status"] == 201
        for r in created
    )


def test_ndjson_one_result_per_line(push, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 3)
    code, out, err = push(str(tmp_path / "outbox"), "-o", "ndjson")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3
    for line in lines:
        r = json.loads(line)
        assert set(r) >= RESULT_KEYS and r["action"] == "created"
    summary = json.loads(err.strip().splitlines()[-1])
    assert summary["ok"] is True and summary["summary"]["created"] == 3


def test_verbose_logs_each_request(push, sb: Sandbox, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 3)
    code, out, err = push(str(tmp_path / "outbox"), "-v", "-o", "json")
    assert code == 0, err
    logged = [m for m in map(REQUEST_LINE.match, err.splitlines()) if m]
    assert len(logged) == sb.count()
    assert sorted(m.group(1) for m in logged) == sorted(r.method for r in sb.requests)
    assert {(m.group(1), m.group(3)) for m in logged} >= {("POST", "201")}
    assert all(m.group(2).startswith("/ecomOrders") for m in logged)
    assert KEY not in err.replace("sandbox-", "")  # (the key is the word "sandbox" here; see the 403 tests)


def test_dry_run_sends_nothing_without_an_account(run_cli, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 3)
    code, out, err = run_cli(
        ["push", "--dry-run", str(tmp_path / "outbox"), "-o", "json", "--state-dir", str(tmp_path / "state")]
    )
    assert code == 0, err
    data = pushed(out)
    assert actions(data) == {"planned": 3}
    assert all(r["id"] is None for r in data["results"])


def test_dry_run_with_an_account_plans_from_the_ledger(push, sb: Sandbox, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 3)
    assert push(str(tmp_path / "outbox"))[0] == 0
    write_json(tmp_path / "outbox" / "cart-00001.json", cart(1, totalPrice="1"))
    write_json(tmp_path / "outbox" / "new.json", cart(50))
    before = sb.count()
    code, out, err = push("--dry-run", str(tmp_path / "outbox"), "-o", "json")
    assert code == 0, err
    assert sb.count() == before
    data = pushed(out)
    assert actions(data) == {"planned": 4}
    plans = {r["externalcheckoutid"]: r.get("plan") for r in data["results"]}
    assert plans == {
        "cart-00000": "unchanged",
        "cart-00001": "update",
        "cart-00002": "unchanged",
        "cart-00050": "create",
    }
    assert sb.store.orders(externalcheckoutid="cart-00001")[0]["totalPrice"] == "9111"


# --- account configuration and the key ----------------------------------------------------------------


def test_403_stops_at_once_and_never_shows_the_key(push, sb: Sandbox, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 20)
    for args in (["-o", "json"], ["-v"], ["-v", "-o", "ndjson"], []):
        before = sb.count()
        code, out, err = push(str(tmp_path / "outbox"), *args, key=SECRET_KEY)
        assert code == 3, (args, err)
        assert sb.count() - before <= 2  # not one request per cart
        assert "refused" in err + out
        for text in (out, err):
            assert SECRET_KEY not in text
            assert SECRET_KEY[:-4] not in text  # at most the last 4 characters
    assert sb.store.orders() == []


def test_403_with_debug_never_shows_the_key(run_cli, sb: Sandbox, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 3)
    write_json(tmp_path / "one" / "c.json", cart(1))
    for folder in ("outbox", "one"):
        code, out, err = run_cli(
            ["--debug", "push", str(tmp_path / folder), "-v", "--rate", "1000"],
            env=account_env(sb, tmp_path / "state", SECRET_KEY),
        )
        assert code == 3, err
        assert SECRET_KEY[:-4] not in out + err


def test_a_single_cart_403_says_so(push, sb: Sandbox, tmp_path: Path) -> None:
    path = write_json(tmp_path / "c.json", cart(1))
    code, out, err = push(str(path), key=SECRET_KEY)
    assert code == 3
    assert "refused" in (out + err).lower()
    assert sb.count() == 1


def test_403_json_output_is_still_valid_json(push, sb: Sandbox, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 3)
    write_json(tmp_path / "outbox" / "a-bad.json", {"externalcheckoutid": "bad"})
    code, out, err = push(str(tmp_path / "outbox"), "-o", "json", key=SECRET_KEY)
    assert code == 3
    data = json.loads(out)  # scripts parse stdout; a half-written document breaks them
    assert data["ok"] is False
    assert {r["action"] for r in data["results"]} <= {"invalid", "failed", "skipped"}


def test_plain_http_to_a_remote_host_is_refused_before_connecting(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def spy(self: socket.socket, address: Any) -> Any:
        attempts.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", spy)
    write_carts(tmp_path / "outbox", 2)
    started = time.monotonic()
    code, out, err = run_cli(
        [
            "push",
            str(tmp_path / "outbox"),
            "--url",
            "http://example.com",
            "--api-key",
            SECRET_KEY,
            "--state-dir",
            str(tmp_path / "state"),
        ]
    )
    assert code == 3
    assert time.monotonic() - started < 5
    assert "http" in err and "example.com" in err and "refus" in err
    assert SECRET_KEY[:-4] not in out + err
    assert attempts == []  # no connection at all, not even a DNS-resolved one


def test_wrong_url_path_stops_at_once(push, sb: Sandbox, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 5)
    code, out, err = push(str(tmp_path / "outbox"), env={"ACTIVECAMPAIGN_URL": sb.url + "/not-the-api"})
    assert code == 3, err
    assert sb.count() <= 2 and sb.store.orders() == []


def test_url_with_or_without_api_3_is_one_account(push, sb: Sandbox, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 2)
    assert push(str(tmp_path / "outbox"), env={"ACTIVECAMPAIGN_URL": sb.url + "/api/3/"})[0] == 0
    before = sb.count()
    code, out, err = push(str(tmp_path / "outbox"), "-o", "json")
    assert code == 0, err
    assert actions(pushed(out)) == {"unchanged": 2}
    assert sb.count() == before


def test_push_from_stdin(run_cli, sb: Sandbox, tmp_path: Path) -> None:
    lines = "".join(json.dumps(cart(i)) + "\n" for i in range(3))
    code, out, err = run_cli(
        ["push", "-", "-o", "json", "--rate", "1000"], input=lines, env=account_env(sb, tmp_path / "state")
    )
    assert code == 0, err
    data = pushed(out)
    assert actions(data) == {"created": 3}
    assert {r["source"] for r in data["results"]} == {"<stdin>"}
    assert sorted(r["line"] for r in data["results"]) == [1, 2, 3]


@pytest.mark.parametrize(
    "env", [{}, {"ACTIVECAMPAIGN_URL": "https://acct.api-us1.com"}, {"ACTIVECAMPAIGN_API_KEY": "k" * 40}]
)
def test_missing_url_or_key_mentions_sandbox(run_cli, tmp_path: Path, env: dict[str, str]) -> None:
    write_carts(tmp_path / "outbox", 1)
    code, out, err = run_cli(
        ["push", str(tmp_path / "outbox"), "--state-dir", str(tmp_path / "state")], env=env
    )
    assert code == 3
    assert "--sandbox" in err
    assert "ACTIVECAMPAIGN_URL" in err and "ACTIVECAMPAIGN_API_KEY" in err


# --- overlapping runs (lock held in this process) -----------------------------------------------------


def test_wait_0_while_another_run_holds_the_lock(push, sb: Sandbox, state: Path, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 3)
    holder = Ledger.open(state)
    try:
        holder.lock(0)
        started = time.monotonic()
        code, out, err = push(str(tmp_path / "outbox"), "--wait", "0")
        assert time.monotonic() - started < 5
    finally:
        holder.close()
    assert code == 4
    assert "another acorders push" in err and "--wait" in err
    assert sb.count() == 0
    code, _, err = push(str(tmp_path / "outbox"), "--wait", "0")
    assert code == 0, err


def test_wait_gets_the_lock_when_the_other_run_ends(push, sb: Sandbox, state: Path, tmp_path: Path) -> None:
    import threading

    write_carts(tmp_path / "outbox", 2)
    holder = Ledger.open(state)
    holder.lock(0)
    timer = threading.Timer(0.5, holder.close)
    timer.start()
    try:
        started = time.monotonic()
        code, out, err = push(str(tmp_path / "outbox"), "--wait", "10")
        assert code == 0, err
        assert time.monotonic() - started >= 0.4
    finally:
        timer.join()
    assert len(sb.store.orders()) == 2


# --- spool mode ---------------------------------------------------------------------------------------


def test_spool_moves_settled_files(push, sb: Sandbox, tmp_path: Path, fast_retries: None) -> None:
    outbox, done, failed = tmp_path / "outbox", tmp_path / "pushed", tmp_path / "failed"
    good = write_json(outbox / "good.json", cart(1))
    assert push(str(good))[0] == 0  # pushed earlier: unchanged now, so it needs no request
    bad = write_ndjson(outbox / "bad.ndjson", [cart(1), {"externalcheckoutid": "broken"}])  # pushed + invalid
    later = write_json(outbox / "later.json", cart(3))
    sb.fail_next(500, status=503)  # every request of this run fails: only the new carts send any
    code, out, err = push(str(outbox), "--move-pushed", str(done), "--move-failed", str(failed), "-o", "json")
    sb._faults.clear()
    assert code == 4, err
    assert (done / "good.json").is_file() and not good.exists()
    assert (failed / "bad.ndjson").is_file() and not bad.exists()
    assert later.is_file()  # temporarily failed: stays for the next run
    assert not (done / "later.json").exists() and not (failed / "later.json").exists()
    assert "moved" in err

    code, out, err = push(str(outbox), "--move-pushed", str(done), "--move-failed", str(failed))
    assert code == 0, err
    assert (done / "later.json").is_file() and not later.exists()
    assert sorted(p.name for p in outbox.iterdir()) == []


def test_spool_file_with_a_failed_cart_never_goes_to_pushed(
    push, sb: Sandbox, tmp_path: Path, fast_retries: None
) -> None:
    outbox, done, failed = tmp_path / "outbox", tmp_path / "pushed", tmp_path / "failed"
    mixed = write_ndjson(outbox / "mixed.ndjson", [cart(1), cart(2)])
    assert push(str(write_json(tmp_path / "first.json", cart(1))))[0] == 0
    sb.fail_next(500, status=503)
    code, _, err = push(str(outbox), "--move-pushed", str(done), "--move-failed", str(failed))
    sb._faults.clear()
    assert code == 4, err
    assert mixed.is_file()
    assert not done.exists() or not any(done.iterdir())


def test_spool_rejected_goes_to_failed(run_cli, tmp_path: Path) -> None:
    with sandbox(strict=True) as sb:
        conn = sb.store.insert("connection", {"service": "s", "externalid": "e", "name": "n"})
        cust = sb.store.insert(
            "customer", {"connectionid": conn["id"], "externalid": "a", "email": "a@example.com"}
        )
        outbox = tmp_path / "outbox"
        write_json(outbox / "ok.json", cart(1, connectionid=conn["id"], customerid=cust["id"]))
        write_json(outbox / "rejected.json", cart(2, connectionid="777", customerid=cust["id"]))
        code, _, err = run_cli(
            [
                "push",
                str(outbox),
                "--move-pushed",
                str(tmp_path / "P"),
                "--move-failed",
                str(tmp_path / "F"),
                "--rate",
                "1000",
            ],
            env=account_env(sb, tmp_path / "state"),
        )
        assert code == 1, err
        assert (tmp_path / "P" / "ok.json").is_file()
        assert (tmp_path / "F" / "rejected.json").is_file()


def test_spool_pushed_folder_inside_the_outbox_is_left_alone(push, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    write_carts(outbox, 2)
    args = (str(outbox), "--move-pushed", str(outbox / "done"), "--move-failed", str(outbox / "failed"))
    assert push(*args)[0] == 0
    assert sorted(p.name for p in (outbox / "done").iterdir()) == ["cart-00000.json", "cart-00001.json"]
    for _ in range(2):  # cron runs again
        code, _, err = push(*args)
        assert code == 0, err
        assert sorted(p.name for p in (outbox / "done").iterdir()) == ["cart-00000.json", "cart-00001.json"]


def test_spool_file_named_twice_is_moved_once(push, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    write_carts(outbox, 2)
    code, out, err = push(str(outbox), str(outbox / "cart-00000.json"), "--move-pushed", str(tmp_path / "P"))
    assert code == 0, err
    assert "unexpected" not in err
    assert sorted(p.name for p in (tmp_path / "P").iterdir()) == ["cart-00000.json", "cart-00001.json"]


def test_dry_run_moves_nothing(push, tmp_path: Path) -> None:
    path = write_json(tmp_path / "outbox" / "c.json", cart(1))
    code, _, _ = push("--dry-run", str(path), "--move-pushed", str(tmp_path / "P"))
    assert code == 0 and path.is_file()


# --- history and forget -------------------------------------------------------------------------------


def test_history_lists_pushes_with_ids(push, run_cli, sb: Sandbox, state: Path, tmp_path: Path) -> None:
    write_carts(tmp_path / "outbox", 3)
    assert push(str(tmp_path / "outbox"))[0] == 0
    write_json(tmp_path / "outbox" / "cart-00000.json", cart(0, totalPrice="5"))
    assert push(str(tmp_path / "outbox"))[0] == 0
    code, out, err = run_cli(
        ["history", "-o", "json", "--since", "1h"], env={"ACORDERS_STATE_DIR": str(state)}
    )
    assert code == 0, err
    rows = json.loads(out)["results"]  # the envelope of push and validate
    ids = {r["ext"]: r["id"] for r in rows}
    stored = {o["externalcheckoutid"]: o["id"] for o in sb.store.orders()}
    assert ids == stored
    assert sorted((r["ext"], r["action"]) for r in rows) == [
        ("cart-00000", "created"),
        ("cart-00000", "updated"),
        ("cart-00001", "created"),
        ("cart-00002", "created"),
    ]
    assert all(r["account"] == sb.url and r["kind"] == "cart" and r["at"] for r in rows)

    code, out, _ = run_cli(["history", "--state-dir", str(state)])
    assert code == 0 and "cart-00001" in out and "created" in out

    code, out, _ = run_cli(["history", "-o", "json", "--since", "2000-01-01", "--state-dir", str(state)])
    assert code == 0 and len(json.loads(out)["results"]) == 4
    code, out, _ = run_cli(["history", "-o", "json", "--since", "2099-01-01", "--state-dir", str(state)])
    assert code == 0 and json.loads(out)["results"] == []
    code, _, err = run_cli(["history", "--since", "yesterday-ish", "--state-dir", str(state)])
    assert code == 2 and "--since" in err


def test_forget_makes_the_next_push_create_it_again(
    push, run_cli, sb: Sandbox, state: Path, tmp_path: Path
) -> None:
    write_carts(tmp_path / "outbox", 2)
    assert push(str(tmp_path / "outbox"))[0] == 0
    old = sb.store.orders(externalcheckoutid="cart-00001")[0]["id"]
    assert sb.store.delete("order", old)  # deleted in ActiveCampaign

    code, out, _ = push(str(tmp_path / "outbox"), "-o", "json")
    assert code == 0 and actions(pushed(out)) == {"unchanged": 2}  # the ledger still says so
    assert "cart-00001" not in records_per_checkout(sb)

    code, _, err = run_cli(["forget", "--cart", "cart-00001", "--state-dir", str(state)])
    assert code == 0, err
    assert "forgot 1" in err
    code, out, err = push(str(tmp_path / "outbox"), "-o", "json")
    assert code == 0, err
    results = by_checkout(pushed(out))
    assert results["cart-00001"]["action"] == "created" and results["cart-00001"]["id"] != old
    assert results["cart-00000"]["action"] == "unchanged"
    assert records_per_checkout(sb) == {"cart-00000": 1, "cart-00001": 1}

    code, _, err = run_cli(["forget", "--cart", "no-such-cart", "--state-dir", str(state)])
    assert code == 1 and "forgot 0" in err
    code, _, err = run_cli(["forget", "--state-dir", str(state)])
    assert code == 2
    code, _, err = run_cli(["forget", "--all", "--state-dir", str(state)])
    assert code == 0 and "forgot 2" in err
    assert ledger_rows(state) == []


# --- customers and connections (issue 5) --------------------------------------------------------------


def test_customers_resolved_once_per_email(run_cli, tmp_path: Path) -> None:
    with sandbox() as sb:
        emails = [f"shopper{n:03d}@example.com" for n in range(100)]
        sb.store.add_account_customer(emails[0])  # account-level row: must be ignored
        carts = [cart(i, customerid=None, email=emails[i % 100]) for i in range(1000)]
        write_ndjson(tmp_path / "outbox" / "carts.ndjson", carts)
        env = account_env(sb, tmp_path / "state")
        code, out, err = run_cli(
            ["push", str(tmp_path / "outbox"), "-o", "json", "--rate", "1000", "--workers", "16"], env=env
        )
        assert code == 0, err
        assert actions(pushed(out)) == {"created": 1000}
        assert sb.count("GET", "/api/3/ecomCustomers") <= 100
        assert sb.count("POST", "/api/3/ecomCustomers") == 100
        customers = {c["email"]: c for c in sb.store.customers(connectionid="1")}
        assert sorted(customers) == emails
        assert all(c["externalid"] == c["email"] for c in customers.values())
        account_row = sb.store.customers(connectionid="0")[0]
        orders = sb.store.orders()
        assert len(orders) == 1000
        for order in orders:
            assert order["customerid"] == customers[order["email"]]["id"] != account_row["id"]

        # the next run: carts changed, customers known from the ledger
        before = sb.count(path_prefix="/api/3/ecomCustomers")
        changed = [
            cart(i, customerid=None, email=emails[i % 100], totalPrice="1" if i < 100 else "9111")
            for i in range(1000)
        ]
        write_ndjson(tmp_path / "outbox" / "carts.ndjson", changed)
        code, out, err = run_cli(
            ["push", str(tmp_path / "outbox"), "-o", "json", "--rate", "1000", "--workers", "16"], env=env
        )
        assert code == 0, err
        assert actions(pushed(out)) == {"updated": 100, "unchanged": 900}
        assert sb.count(path_prefix="/api/3/ecomCustomers") == before  # zero customer requests


def test_existing_customer_is_found_not_created(push, sb: Sandbox, tmp_path: Path) -> None:
    existing = sb.store.insert(
        "customer",
        {"connectionid": "1", "externalid": "shop-77", "email": "known@example.com", "acceptsMarketing": "1"},
    )
    sb.store.add_account_customer("known@example.com")
    path = write_json(tmp_path / "c.json", cart(1, customerid=None, email="known@example.com"))
    code, out, err = push(str(path), "-o", "json")
    assert code == 0, err
    assert sb.count("POST", "/api/3/ecomCustomers") == 0
    assert sb.count("GET", "/api/3/ecomCustomers") == 1
    assert sb.store.orders()[0]["customerid"] == existing["id"]


@pytest.mark.parametrize("how", ["option", "env"])
def test_default_connection_lets_files_omit_it(run_cli, sb: Sandbox, tmp_path: Path, how: str) -> None:
    path = write_json(tmp_path / "c.json", cart(1, connectionid=None, customerid=None))
    env = account_env(sb, tmp_path / "state")
    args = ["push", str(path), "-o", "json", "--rate", "1000"]
    if how == "option":
        args += ["--connection", "1"]
    else:
        env["ACTIVECAMPAIGN_CONNECTION_ID"] = "1"
    code, out, err = run_cli(args, env=env)
    assert code == 0, err
    assert pushed(out)["results"][0]["action"] == "created"
    (order,) = sb.store.orders()
    assert order["connectionid"] == "1"
    assert sb.store.customers(connectionid="1")[0]["id"] == order["customerid"]
    entry_keys = {(r["connection"], r["ext"]) for r in ledger_rows(tmp_path / "state")}
    assert ("1", "cart-00001") in entry_keys


def test_validate_without_connection_says_how_to_configure_one(run_cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "c.json", cart(1, connectionid=None, customerid=None))
    code, out, err = run_cli(["validate", str(path), "-o", "json"])
    assert code == 1
    data = json.loads(out)
    messages = [
        e["message"] for d in data["documents"] for e in d["errors"] if e["path"] == "ecomOrder.connectionid"
    ]
    assert messages and "--connection" in messages[0]
    # customerid is not an error: it is resolved at push time
    assert not [
        e
        for d in data["documents"]
        for e in d["errors"]
        if e["path"] == "ecomOrder.customerid" and e["severity"] == "error"
    ]
    code, out, _ = run_cli(["validate", str(path), "-o", "json", "--connection", "1"])
    assert code == 0


def test_push_without_connection_is_invalid_and_says_how(push, sb: Sandbox, tmp_path: Path) -> None:
    path = write_json(tmp_path / "c.json", cart(1, connectionid=None))
    code, out, err = push(str(path), "-o", "json")
    assert code == 1
    (result,) = pushed(out)["results"]
    assert result["action"] == "invalid"
    assert any("--connection" in e["message"] for e in result["errors"])
    assert sb.count() == 0


def test_ledger_entries_are_done_after_a_push(push, tmp_path: Path, state: Path, sb: Sandbox) -> None:
    write_carts(tmp_path / "outbox", 4)
    assert push(str(tmp_path / "outbox"))[0] == 0
    with Ledger.open(state) as led:
        for i in range(4):
            entry = led.get(Key(sb.url, "1", "cart", f"cart-{i:05d}"))
            assert entry is not None and entry.state == DONE and entry.ac_id


def test_many_files_take_the_parallel_path_and_keep_exactly_once_semantics(
    push, sb: Sandbox, tmp_path: Path
) -> None:
    """Enough files for worker processes: unchanged carts are settled from one ledger snapshot, and a cart
    that appears twice in the batch is still sent in order (the last content wins)."""
    from acorders.validate import parallel as workers

    outbox = tmp_path / "outbox"
    write_carts(outbox, workers.MIN_FILES + 10)
    code, out, _ = push(str(outbox), "-o", "json", "--workers", "16")
    assert code == 0 and actions(pushed(out)) == {"created": workers.MIN_FILES + 10}

    # same cart, new content
    write_json(outbox / "zz-again.json", cart(3, totalPrice="1234", orderProducts=None))
    before = sb.count()
    code, out, _ = push(str(outbox), "-o", "json", "--workers", "16")
    data = pushed(out)
    assert code == 0
    assert actions(data) == {"unchanged": workers.MIN_FILES + 10, "updated": 1}
    unchanged = [r for r in data["results"] if r["action"] == "unchanged"]
    assert all(r["externalcheckoutid"] and r["id"] for r in unchanged)  # ids are reported without the data
    assert sb.count() - before == 1  # one PUT; the unchanged cost nothing
    [record] = [o for o in sb.store.orders() if o["externalcheckoutid"] == "cart-00003"]
    assert str(record["totalPrice"]) == "1234"
    assert records_per_checkout(sb).most_common(1)[0][1] == 1
