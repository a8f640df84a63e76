"""`acorders verify [PATH...] [--fix]` end to end against the sandbox: each class (missing, drifted,
duplicated, unknown), -o json and its exit statuses, --fix and --fix --dry-run, and the request counts."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import pytest

from acorders.sandbox import Sandbox
from tests.helpers import (
    account_env,
    cart,
    json_results,
    records_per_checkout,
    write_carts,
    write_json,
)
from tests.seeding import delete_behind, drift, duplicate, foreign, order_of


@pytest.fixture
def carts(tmp_path: Path, run_cli, env: dict[str, str]) -> Path:
    """Three carts pushed to the sandbox; their folder."""
    folder = tmp_path / "carts"
    write_carts(folder, 3)
    code, _, err = run_cli(["push", str(folder), "--rate", "1000"], env=env)
    assert code == 0, err
    return folder


def verify(run_cli, env: dict[str, str], *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli(["verify", *args, "-o", "json", "--rate", "1000"], env=env)
    assert "Traceback" not in err
    return code, json_results(out), err


def classes(data: dict[str, Any]) -> collections.Counter[str]:
    return collections.Counter(r["class"] for r in data["results"])


def requests_since(sb: Sandbox, before: int) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in list(sb.requests)[before:]]


def test_all_agree_exits_0_after_one_listing(run_cli, env, sb, carts: Path) -> None:
    before = len(sb.requests)
    code, data, err = verify(run_cli, env)
    assert code == 0, err
    assert data["ok"] is True and data["results"] == []
    assert data["summary"]["requests"] == 1 and data["summary"]["listed"] == 3
    assert [m for m, _ in requests_since(sb, before)] == ["GET"]


def test_missing_from_the_ledger(run_cli, env, sb, carts: Path) -> None:
    delete_behind(sb, order_of(sb, externalcheckoutid="cart-00001")["id"])
    code, data, _ = verify(run_cli, env)
    assert code == 1
    assert data["ok"] is False
    [row] = data["results"]
    assert row["class"] == "missing" and row["key"] == "1/externalcheckoutid/cart-00001"
    assert set(row) >= {"class", "key", "ids", "detail"}


def test_missing_from_the_files_only(run_cli, env, sb, carts: Path, tmp_path: Path) -> None:
    extra = write_json(tmp_path / "more" / "new.json", cart(7))
    code, data, _ = verify(run_cli, env, str(carts), str(extra))
    assert code == 1
    found = [(r["class"], r["key"]) for r in data["results"]]
    assert found == [("missing", "1/externalcheckoutid/cart-00007")]


def test_drifted_content(run_cli, env, sb, carts: Path) -> None:
    record = order_of(sb, externalcheckoutid="cart-00002")
    drift(sb, record["id"], totalPrice="1")
    code, data, _ = verify(run_cli, env, str(carts))
    assert code == 1
    [row] = data["results"]
    assert row["class"] == "drifted" and row["ids"] == [record["id"]]
    assert "totalPrice" in row["detail"]


def test_same_content_written_differently_is_not_drift(run_cli, env, sb, carts: Path) -> None:
    """Instants as instants, numbers and ids whether strings or ints, currency in any case."""
    record = order_of(sb, externalcheckoutid="cart-00000")
    drift(
        sb,
        record["id"],
        totalPrice=9111,
        currency="usd",
        connectionid=1,
        externalCreatedDate="2016-09-13T21:41:39Z",
        abandonedDate="2016-09-13T16:41:39-05:00",
    )
    code, data, err = verify(run_cli, env, str(carts))
    assert (code, data["results"]) == (0, []), err


def test_duplicated_by_another_tool(run_cli, env, sb, carts: Path) -> None:
    record = order_of(sb, externalcheckoutid="cart-00000")
    copy = duplicate(sb, record["id"])
    code, data, _ = verify(run_cli, env)
    assert code == 1
    [row] = data["results"]
    assert row["class"] == "duplicated" and row["ids"] == [record["id"], copy]
    assert f"keep {record['id']}" in row["detail"]


def test_unknown_pushed_elsewhere(run_cli, env, sb, carts: Path) -> None:
    other = foreign(sb, cart(9))
    code, data, _ = verify(run_cli, env)
    assert code == 1
    [row] = data["results"]
    assert row["class"] == "unknown" and row["ids"] == [other]
    assert row["key"] == "1/externalcheckoutid/cart-00009"


def test_table_per_class(run_cli, env, sb, carts: Path) -> None:
    delete_behind(sb, order_of(sb, externalcheckoutid="cart-00001")["id"])
    foreign(sb, cart(9))
    code, out, err = run_cli(["verify", "--rate", "1000"], env=env)
    assert code == 1
    assert "cart-00001" in out and "cart-00009" in out
    assert "1 missing" in err and "1 unknown" in err and "; 1 request" in err


def test_fix_dry_run_changes_nothing(run_cli, env, sb, carts: Path) -> None:
    record = order_of(sb, externalcheckoutid="cart-00000")
    copy = duplicate(sb, record["id"])
    delete_behind(sb, order_of(sb, externalcheckoutid="cart-00001")["id"])
    before = len(sb.requests)
    code, data, _ = verify(run_cli, env, str(carts), "--fix", "--dry-run")
    assert code == 1
    assert [m for m, _ in requests_since(sb, before)] == ["GET"]
    fixes = {r["class"]: r["fix"] for r in data["results"]}
    assert fixes["duplicated"] == f"delete {copy}; keep {record['id']}"
    assert fixes["missing"].startswith("push ")
    assert records_per_checkout(sb)["cart-00000"] == 2 and records_per_checkout(sb)["cart-00001"] == 0


def test_fix_leaves_exactly_one_record_per_cart(run_cli, env, sb, carts: Path, tmp_path: Path) -> None:
    """Missing re-created, drifted re-pushed, the extra duplicate deleted (the ledger's kept), the unknown
    the files identify adopted: one listing plus one request per fix; then verify agrees."""
    kept = order_of(sb, externalcheckoutid="cart-00000")["id"]
    copy = duplicate(sb, kept)
    delete_behind(sb, order_of(sb, externalcheckoutid="cart-00001")["id"])
    drifted = order_of(sb, externalcheckoutid="cart-00002")["id"]
    drift(sb, drifted, totalPrice="1")
    adopted = foreign(sb, cart(3))
    write_carts(carts, 1, start=3)
    before = len(sb.requests)
    code, data, err = verify(run_cli, env, str(carts), "--fix")
    assert code == 0, err
    assert classes(data) == {"missing": 1, "drifted": 1, "duplicated": 1, "unknown": 1}
    assert all(r["fixed"] for r in data["results"])
    made = collections.Counter(m for m, _ in requests_since(sb, before))
    assert made == {"GET": 1, "DELETE": 1, "POST": 1, "PUT": 1}
    assert data["summary"]["requests"] == 4
    assert dict(records_per_checkout(sb)) == {f"cart-0000{i}": 1 for i in range(4)}
    assert sb.store.get("order", kept) and not sb.store.get("order", copy)
    assert order_of(sb, externalcheckoutid="cart-00002")["totalPrice"] == "9111"
    assert order_of(sb, externalcheckoutid="cart-00003")["id"] == adopted
    code, again, err = verify(run_cli, env, str(carts))
    assert (code, again["results"]) == (0, []), err
    code, out, _ = run_cli(["history", "-o", "json"], env=env)
    deleted = [r for r in json.loads(out)["results"] if r["action"] == "deleted"]
    assert [(r["ext"], r["id"]) for r in deleted] == [("cart-00000", copy)]
    before = len(sb.requests)
    code, out, _ = run_cli(["push", str(carts), "-o", "json", "--rate", "1000"], env=env)
    assert code == 0 and {r["action"] for r in json_results(out)["results"]} == {"unchanged"}
    assert len(sb.requests) == before


def test_fix_deletes_nothing_the_ledger_or_files_did_not_make_redundant(run_cli, env, sb, carts) -> None:
    first = foreign(sb, cart(8))
    second = foreign(sb, cart(8))
    code, data, _ = verify(run_cli, env, "--fix")
    assert code == 1
    assert classes(data) == {"duplicated": 1, "unknown": 1}
    assert all(r["fix"].startswith("none") and r["fixed"] is False for r in data["results"])
    assert sb.store.get("order", first) and sb.store.get("order", second)


def test_no_connection_known_is_a_usage_error(run_cli, tmp_path: Path, sb) -> None:
    code, out, err = run_cli(["verify"], env=account_env(sb, tmp_path / "empty"))
    assert code == 2
    assert "--connection" in err and "Traceback" not in err


def test_drift_and_missing_found_and_fixed_without_the_files(run_cli, env, sb, carts: Path) -> None:
    """The ledger keeps what it last sent: verify needs no file to see drift, --fix none to repair it."""
    drifted = order_of(sb, externalcheckoutid="cart-00002")["id"]
    drift(sb, drifted, totalPrice="1", currency="EUR")
    delete_behind(sb, order_of(sb, externalcheckoutid="cart-00001")["id"])
    code, data, _ = verify(run_cli, env)
    assert code == 1
    assert {r["class"]: r["key"] for r in data["results"]} == {
        "drifted": "1/externalcheckoutid/cart-00002",
        "missing": "1/externalcheckoutid/cart-00001",
    }
    assert "currency" in data["results"][1]["detail"] or "currency" in data["results"][0]["detail"]
    code, data, err = verify(run_cli, env, "--fix")
    assert code == 0, err
    assert all(r["fixed"] for r in data["results"])
    assert dict(records_per_checkout(sb)) == {f"cart-0000{i}": 1 for i in range(3)}
    assert order_of(sb, externalcheckoutid="cart-00002")["totalPrice"] == "9111"
    code, again, err = verify(run_cli, env)
    assert (code, again["results"]) == (0, []), err


def test_a_cart_beside_the_order_it_became_is_a_duplicate(run_cli, env, sb, tmp_path: Path) -> None:
    """Another tool created the cart again after acorders pushed the order that recovered it: same
    externalcheckoutid twice; --fix deletes the cart record and keeps the order."""
    # with its abandonedDate: the document lets the order's checkout id be sent only with it
    order = dict(cart(4), externalid="order-4")
    path = write_json(tmp_path / "orders" / "order-4.json", order)
    code, _, err = run_cli(["push", str(path), "--rate", "1000"], env=env)
    assert code == 0, err
    kept = order_of(sb, externalid="order-4")["id"]
    stray = duplicate(sb, kept, externalid=None, state=1)
    code, data, _ = verify(run_cli, env)
    assert code == 1
    [row] = data["results"]
    assert row["class"] == "duplicated" and sorted(row["ids"]) == sorted([kept, stray])
    assert row["key"] == "1/externalcheckoutid/cart-00004"
    code, data, err = verify(run_cli, env, "--fix")
    assert code == 0, err
    assert [o["id"] for o in sb.store.orders(externalcheckoutid="cart-00004")] == [kept]


def test_a_refused_key_is_a_config_error_without_the_key(run_cli, sb, carts: Path, tmp_path: Path) -> None:
    from tests.helpers import SECRET_KEY

    env = account_env(sb, tmp_path / "state", SECRET_KEY)
    code, out, err = run_cli(["verify", "--rate", "1000"], env=env)
    assert code == 3
    assert SECRET_KEY not in out + err and "Traceback" not in err


def test_a_listing_that_keeps_failing_exits_4(run_cli, env, sb, carts: Path, monkeypatch) -> None:
    import acorders.api.retry

    monkeypatch.setattr(acorders.api.retry, "BACKOFF_BASE", 0.001)
    monkeypatch.setattr(acorders.api.retry, "BACKOFF_CAP", 0.01)
    sb.fail_next(50, 503)
    code, out, err = run_cli(["verify", "--rate", "1000"], env=env)
    assert code == 4 and "Traceback" not in err
    assert "503" in err or "unavailable" in err.lower() or "failed" in err.lower()
