"""A minified JSON array (``[{"ecomOrder":A},{"ecomOrder":A2}]``, every document at line 1) in a batch big
enough for the forked workers (parallel.MIN_FILES files): what a worker says of each document comes back
to the parent naming that document, not the line's first one.

validate: the batch duplicate check reads both texts again to compare them. push: a cart the batch holds
twice, whose data stayed in a worker (it was unchanged), is read again before it is sent; reading the
line's first document instead sent the other version twice, and the account kept the wrong one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from acorders.validate import parallel
from tests.helpers import account_env, cart, envelope, json_results, sandbox, write_carts, write_json

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="the pool forks")

A = cart("x", orderNumber="#A")  # what the shop had first
A2 = cart("x", orderNumber="#A2")  # what it has now: the array's last word on cart x


def _minified(path: Path, *orders: dict[str, Any]) -> Path:
    path.write_text(json.dumps([envelope(o) for o in orders], separators=(",", ":")), encoding="utf-8")
    return path


def _forked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the documents that came back from a worker, to be sure the workers checked them."""
    seen: list[int] = []
    real = parallel._unpack

    def unpack(chunk: Any, packed: Any) -> Any:
        seen.append(1)
        return real(chunk, packed)

    monkeypatch.setattr(parallel, "_unpack", unpack)
    return seen


def test_validate_on_every_core_finds_the_duplicate_on_one_line(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: no warning (each document was read again as the line's first)."""
    outbox = tmp_path / "outbox"
    write_carts(outbox, parallel.MIN_FILES)
    array = _minified(outbox / "array.json", A, A2)
    seen = _forked(monkeypatch)
    code, out, err = run_cli(["validate", "-o", "json", str(outbox)])
    assert code == 0, err
    assert len(seen) > parallel.MIN_FILES
    found = [
        (d["source"], e["message"])
        for d in json.loads(out)["documents"]
        for e in d["errors"]
        if "different content" in e["message"]
    ]
    assert found == [
        (
            str(array),
            f"externalcheckoutid 'x' is also at {array}:1 (document 1 of that line) with different content; "
            "both would be sent and the last one wins",
        )
    ]


def test_push_sends_each_version_of_a_cart_held_twice_on_one_line(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account has A2 (pushed before). The array holds A then A2: A must be sent, then A2 (the last
    one wins). Before: A2, unchanged, stayed in its worker and was read again as the line's first
    document, A: A was sent twice, and the account was left with A, a lost update."""
    outbox = tmp_path / "outbox"
    write_carts(outbox, parallel.MIN_FILES)
    before = write_json(outbox / "x.json", A2)
    args = ["push", "--rate", "1000", "-o", "json", str(outbox)]
    with sandbox() as sb:
        env = account_env(sb, tmp_path / "state")
        code, out, err = run_cli(args, env=env)
        assert code == 0, err
        before.unlink()
        _minified(outbox / "array.json", A, A2)
        seen = _forked(monkeypatch)
        code, out, err = run_cli(args, env=env)
        assert code == 0, err
        assert len(seen) > parallel.MIN_FILES
        rows = [r for r in json_results(out)["results"] if r["externalcheckoutid"] == "x"]
        assert len(rows) == 2 and all(r["source"].endswith("array.json") for r in rows), rows
        (stored,) = [o for o in sb.store.orders() if o.get("externalcheckoutid") == "x"]
        assert stored["orderNumber"] == "#A2"
