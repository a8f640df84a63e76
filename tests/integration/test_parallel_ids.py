"""Issue 13: rows of invalid carts keep their cart id whether the batch is checked here (399 files) or on
every core (400 files and more, acorders.validate.parallel)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from acorders.validate import parallel as workers
from tests.helpers import cart, write_carts, write_json

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="the pool forks")


@pytest.mark.parametrize("files", [workers.MIN_FILES - 1, workers.MIN_FILES])
def test_invalid_carts_keep_their_ids_in_a_big_batch(run_cli, tmp_path: Path, files: int) -> None:
    outbox = tmp_path / "outbox"
    write_carts(outbox, files - 2)
    write_json(outbox / "bad-a.json", cart("bad-cart-a", email="not-an-email"))
    write_json(outbox / "bad-b.json", cart("bad-cart-b", externalid="order-b", totalPrice=1.5))
    code, out, err = run_cli(
        ["push", "--dry-run", "-o", "json", str(outbox)], env={"ACORDERS_STATE_DIR": str(tmp_path / "s")}
    )
    assert code == 1, err
    invalid = {r["source"]: r for r in json.loads(out)["results"] if r["action"] == "invalid"}
    assert set(invalid) == {str(outbox / "bad-a.json"), str(outbox / "bad-b.json")}
    a, b = invalid[str(outbox / "bad-a.json")], invalid[str(outbox / "bad-b.json")]
    assert (a["externalcheckoutid"], a["externalid"]) == ("bad-cart-a", None)
    assert (b["externalcheckoutid"], b["externalid"]) == ("bad-cart-b", "order-b")


def test_a_duplicate_made_invalid_by_strict_keeps_its_ids_in_a_big_batch(run_cli, tmp_path: Path) -> None:
    """--strict turns the batch-wide duplicate warning into an error after the workers: the ids still show."""
    outbox = tmp_path / "outbox"
    write_carts(outbox, workers.MIN_FILES)
    write_json(outbox / "zz-dup.json", cart(3, totalPrice=999))
    code, out, err = run_cli(
        ["push", "--dry-run", "--strict", "-o", "json", str(outbox)],
        env={"ACORDERS_STATE_DIR": str(tmp_path / "s")},
    )
    assert code == 1, err
    invalid = [r for r in json.loads(out)["results"] if r["action"] == "invalid"]
    assert [r["externalcheckoutid"] for r in invalid] == ["cart-00003"]
