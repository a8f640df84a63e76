"""Issue 13 on every core: a batch big enough for the worker processes (validate.parallel) still brings
each valid cart's warnings to its push result, on the first push (sent) and on a rerun (unchanged, settled
from the ledger in the workers), and with --dry-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acorders.validate import parallel
from tests.helpers import account_env, cart, sandbox, write_carts, write_json


@pytest.fixture
def big(tmp_path: Path) -> Path:
    folder = tmp_path / "carts"
    write_carts(folder, parallel.MIN_FILES + 10)
    write_json(folder / "zz-future.json", cart("cart-future", abandonedDate="2099-01-01T00:00:00Z"))
    write_json(folder / "zz-source0.json", cart("cart-source0", source=0))
    return folder


def warned(out: str) -> dict[str, tuple[str, list[str]]]:
    data = json.loads(out)
    return {
        r["externalcheckoutid"]: (r["action"], [w["path"] for w in r["warnings"]])
        for r in data["results"]
        if r["warnings"]
    }


@pytest.mark.skipif(not parallel._can_fork(), reason="the worker processes need fork")
def test_a_big_batch_keeps_each_carts_warnings(
    run_cli, big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forked = []
    real = parallel._parallel
    monkeypatch.setattr(parallel, "_parallel", lambda *a, **k: forked.append(1) or real(*a, **k))
    expected = {"cart-future": ["ecomOrder.abandonedDate"], "cart-source0": ["ecomOrder.source"]}
    with sandbox() as sb:
        env = account_env(sb, tmp_path / "state")
        code, out, err = run_cli(["push", "--dry-run", "-o", "json", str(big)], env=env)
        assert code == 0, err
        assert warned(out) == {k: ("planned", v) for k, v in expected.items()}
        code, out, err = run_cli(["push", "--rate", "1000", "-o", "json", str(big)], env=env)
        assert code == 0, err
        assert warned(out) == {k: ("created", v) for k, v in expected.items()}
        assert json.loads(out)["summary"]["warnings"] == 2
        code, out, err = run_cli(["push", "--rate", "1000", "-o", "json", str(big)], env=env)
    assert code == 0, err
    assert warned(out) == {k: ("unchanged", v) for k, v in expected.items()}
    assert len(forked) == 3  # every run went through the worker processes
