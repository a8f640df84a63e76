"""Issue 13, tables in a real terminal: `acorders validate` and `acorders push --sandbox` run in tmux panes of
80 and 100 columns, and the visible screen keeps every source:line and cart id whole.

Each test starts its own tmux server on a private socket and ends only that server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, cart, write_json, write_ndjson

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("tmux") is None, reason="tmux is not installed (apt-get install -y tmux)"
    ),
]

DEEP = Path("carts/shop-eu-west/2026-12/woocommerce-exports")
DONE = "__acorders_done__"


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    """The tmux command on a socket of this test's own; its server is ended afterwards."""
    cmd = ["tmux", "-L", f"acorders-test-{uuid.uuid4().hex[:12]}", "-f", os.devnull]
    yield cmd
    subprocess.run([*cmd, "kill-server"], capture_output=True, check=False)


def screen(tmux: list[str], cwd: Path, columns: int, *args: str) -> str:
    """Run acorders in a pane of ``columns`` columns and return what the pane shows, terminal-wrapped
    lines joined (-J), as a user would copy them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIVECAMPAIGN_", "ACORDERS_", "TMUX"))}
    env.pop("COLUMNS", None)
    env.update(
        TERM="xterm-256color",
        NO_COLOR="1",
        PYTHONPATH=str(ROOT),
        ACORDERS_CONFIG=str(cwd / "no-such-config.toml"),
        ACORDERS_STATE_DIR=str(cwd / "state"),
    )
    command = " ".join([sys.executable, "-m", "acorders", *args]) + f"; echo {DONE}; sleep 600"
    session = f"s{columns}"
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", str(columns), "-y", "50", "-c", str(cwd), command],
        env=env,
        check=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = subprocess.run(
            [*tmux, "capture-pane", "-p", "-J", "-S", "-", "-t", session], capture_output=True, text=True
        ).stdout
        if DONE in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"acorders did not finish in the pane:\n{shown}")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_json(
        tmp_path / DEEP / "woo-fixed-checkout-export.json", cart("cart-email-42", email="not-an-email")
    )
    write_ndjson(tmp_path / DEEP / "nightly.ndjson", [cart(1), cart("cart-price-7", totalPrice=1.5)])
    write_json(tmp_path / DEEP / "dup-first.json", cart("cart-dup-9"))
    write_json(tmp_path / DEEP / "dup-second.json", cart("cart-dup-9", totalPrice=777))
    return tmp_path


@pytest.mark.parametrize("columns", [80, 100])
def test_validate_in_a_real_terminal_keeps_source_lines(tmux: list[str], folder: Path, columns: int) -> None:
    shown = screen(tmux, folder, columns, "validate", str(folder / "carts"))
    for where in (
        "woo-fixed-checkout-export.json:1",
        "nightly.ndjson:2",
        "dup-second.json:1",
        "dup-first.json:1",
    ):
        assert f"{DEEP}/{where}" in shown, f"{where} not whole on the screen:\n{shown}"
    assert "ecomOrder.email" in shown and "totalPrice" in shown
    assert "\u2026" not in shown
    assert "2 of 5 documents invalid in 4 files, 1 warning" in shown


@pytest.mark.parametrize("columns", [80, 100])
def test_push_sandbox_in_a_real_terminal_keeps_cart_ids(tmux: list[str], folder: Path, columns: int) -> None:
    shown = screen(tmux, folder, columns, "push", "--sandbox", "carts")
    for cart_id in ("cart-email-42", "cart-price-7", "cart-00001", "cart-dup-9"):
        assert cart_id in shown, f"{cart_id} not on the screen:\n{shown}"
    for where in ("woo-fixed-checkout-export.json:1", "nightly.ndjson:1", "nightly.ndjson:2"):
        assert f"{DEEP}/{where}" in shown, f"{where} not whole on the screen:\n{shown}"
    assert "ecomOrder.email" in shown and "\u2026" not in shown
    assert "carts/s" in shown
