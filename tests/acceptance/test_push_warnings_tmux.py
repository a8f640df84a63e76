"""Issue 13 in a real terminal: `acorders push --sandbox` in tmux panes of 80 and 100 columns shows each
cart's validate warnings beside its source:line and cart id, and counts them; `push -q` shows nothing
when every cart went through.

Each test starts its own tmux server on a private socket and ends only that server.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.acceptance.test_tables_tmux import screen, tmux  # noqa: F401 (tmux: the fixture)
from tests.helpers import cart, write_json

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("tmux") is None, reason="tmux is not installed (apt-get install -y tmux)"
    ),
]

DEEP = Path("carts/shop-eu-west/2026-12/woocommerce-exports")


@pytest.mark.parametrize("columns", [80, 100])
def test_push_sandbox_in_a_real_terminal_shows_the_warnings(
    tmux: list[str],  # noqa: F811
    tmp_path: Path,
    columns: int,
) -> None:
    write_json(
        tmp_path / DEEP / "future-abandoned-cart.json",
        cart("cart-future-1", abandonedDate="2099-01-01T00:00:00Z"),
    )
    write_json(tmp_path / DEEP / "historical-source.json", cart("cart-source-0", source=0))
    shown = screen(tmux, tmp_path, columns, "push", "--sandbox", "carts")
    for where, cart_id in (
        ("future-abandoned-cart.json:1", "cart-future-1"),
        ("historical-source.json:1", "cart-source-0"),
    ):
        assert f"{DEEP}/{where}" in shown and cart_id in shown, f"{where} not whole on the screen:\n{shown}"
    assert "ecomOrder.abandonedDate" in shown and "ecomOrder.source" in shown, shown
    assert "2 warnings" in shown and "\u2026" not in shown


@pytest.mark.parametrize("columns", [80, 100])
def test_push_quiet_in_a_real_terminal_shows_nothing_when_all_went_through(
    tmux: list[str],  # noqa: F811
    tmp_path: Path,
    columns: int,
) -> None:
    write_json(tmp_path / "carts" / "a.json", cart("cart-quiet-1"))
    shown = screen(tmux, tmp_path, columns, "push", "--sandbox", "-q", "carts")
    assert "cart-quiet-1" not in shown and "created" not in shown, shown
