"""Issue 11 item 13: a server that echoes the Api-Token JSON-escaped (\\u005a...), as HTML references
or percent-encoded never gets it shown: not in ``push -o json``, not in ``check``'s error, not in the
ledger's error column, not in ``history``. The CLI runs in-process against tests/hostile.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.helpers import SECRET_KEY, cart, ledger_rows, write_json
from tests.hostile import Hostile, exposes

ECHOES = ["json", "html", "url"]


@pytest.fixture
def server() -> Iterator[Hostile]:
    with Hostile(key=SECRET_KEY) as s:
        yield s


def env(server: Hostile, state: Path) -> dict[str, str]:
    return {
        "ACTIVECAMPAIGN_URL": server.url,
        "ACTIVECAMPAIGN_API_KEY": SECRET_KEY,
        "ACORDERS_STATE_DIR": str(state),
    }


@pytest.mark.parametrize("how", ECHOES)
def test_push_json_ledger_and_history_never_show_an_echoed_key(
    run_cli: RunCli, server: Hostile, tmp_path: Path, how: str
) -> None:
    server.echo("POST", "/ecomOrders", how, status=400)
    path = write_json(tmp_path / "c.json", cart(1))
    state = tmp_path / "state"
    code, out, err = run_cli(
        ["push", str(path), "-o", "json", "-v", "--rate", "1000"], env=env(server, state)
    )
    assert code == 1, err
    (result,) = json.loads(out)["results"]
    assert result["action"] == "rejected"
    assert "***" in json.dumps(result["errors"])  # the message is kept, the key masked
    assert not exposes(out, SECRET_KEY) and not exposes(err, SECRET_KEY)
    rows = ledger_rows(state)
    assert rows and not any(exposes(str(value), SECRET_KEY) for row in rows for value in row.values())
    for output in ("json", "table"):
        code, out, err = run_cli(["history", "-o", output], env=env(server, state))
        assert code == 0, err
        assert "***" in out or output == "table"  # a table may cut the error column short
        assert not exposes(out, SECRET_KEY) and not exposes(err, SECRET_KEY)


@pytest.mark.parametrize("status", [400, 404])
@pytest.mark.parametrize("how", ECHOES)
def test_check_error_never_shows_an_echoed_key(
    run_cli: RunCli, server: Hostile, tmp_path: Path, how: str, status: int
) -> None:
    server.echo("GET", "/users/me", how, status=status)
    code, out, err = run_cli(["check", "-v"], env=env(server, tmp_path / "state"))
    assert code == 3, err
    assert "***" in err or (how, status) == ("html", 404)  # an HTML 404 means a wrong URL: no body quoted
    assert not exposes(out, SECRET_KEY) and not exposes(err, SECRET_KEY)
