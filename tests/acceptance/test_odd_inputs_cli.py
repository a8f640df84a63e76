"""Odd inputs end to end (issue 11, items 3 and 4): the CLI against the sandbox on 127.0.0.1.

A file whose name is not UTF-8 (``a\\xe9N.json``) or holds ESC and newline bytes is validated and pushed
like any other, once; its name is stored and shown escaped. A cart whose id is a lone surrogate is an
invalid document, and the rest of the batch is pushed; reruns say the same, never "unexpected".
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from acorders.sandbox import Sandbox
from tests.helpers import (
    KEY,
    account_env,
    actions,
    cart,
    envelope,
    json_results,
    ledger_rows,
    records_per_checkout,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file names are bytes")

NOT_UTF8 = b"a\xe9N.json"
TERMINAL = b"b\x1b[31mred\nx.json"


def write_named(folder: Path, raw_name: bytes, order: dict) -> bytes:
    """Write a cart under a file name given as bytes; returns its full path as bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = os.fsencode(folder) + b"/" + raw_name
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(envelope(order)))
    return path


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    folder = tmp_path / "outbox"
    write_named(folder, NOT_UTF8, cart(1))
    write_named(folder, TERMINAL, cart(2))
    write_named(folder, b"plain.json", cart(3))
    return folder


def shown(folder: Path, raw_name: bytes) -> str:
    escaped = raw_name.decode("utf-8", "surrogateescape")
    escaped = escaped.replace("\x1b", "\\x1b").replace("\n", "\\n").replace("\udce9", "\\xe9")
    return f"{folder}/{escaped}"


def no_raw_bytes(text: str) -> None:
    assert "\x1b" not in text and "\ufffd" not in text
    assert not any(0xDC80 <= ord(c) <= 0xDCFF for c in text)


def test_validate_shows_odd_names_escaped(run_cli, outbox: Path) -> None:
    code, out, err = run_cli(["validate", "-o", "json", str(outbox)])
    assert code == 0, err
    no_raw_bytes(out)
    sources = sorted(d["source"] for d in json.loads(out)["documents"])
    assert sources == sorted([shown(outbox, NOT_UTF8), shown(outbox, TERMINAL), f"{outbox}/plain.json"])


def test_validate_table_never_sends_a_names_escape_to_the_terminal(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # short names: the table does not wrap them
    folder = Path("outbox")
    write_named(folder, NOT_UTF8, {"ecomOrder": {}})
    write_named(folder, TERMINAL, {"ecomOrder": {}})
    code, out, err = run_cli(["validate", str(folder)])
    assert code == 1, err
    no_raw_bytes(out)
    assert shown(folder, NOT_UTF8) + ":1" in out
    assert "red\\nx.json:1" in out  # one row, not a name broken over two lines


def test_push_of_odd_names_creates_each_once_and_stores_the_names(
    run_cli, sb: Sandbox, outbox: Path, tmp_path: Path
) -> None:
    env = account_env(sb, tmp_path / "state", KEY)
    code, out, err = run_cli(["push", str(outbox), "-o", "json", "--rate", "1000"], env=env)
    assert code == 0, err
    no_raw_bytes(out + err)
    data = json_results(out)
    assert actions(data) == {"created": 3}
    assert sorted(r["source"] for r in data["results"]) == sorted(
        [shown(outbox, NOT_UTF8), shown(outbox, TERMINAL), f"{outbox}/plain.json"]
    )
    assert records_per_checkout(sb) == {"cart-00001": 1, "cart-00002": 1, "cart-00003": 1}
    sources = sorted(row["source"] for row in ledger_rows(tmp_path / "state"))
    assert shown(outbox, NOT_UTF8) + ":1" in sources and shown(outbox, TERMINAL) + ":1" in sources

    code, out, err = run_cli(["push", str(outbox), "-o", "json", "--rate", "1000"], env=env)
    assert code == 0, err
    assert actions(json_results(out)) == {"unchanged": 3}
    assert records_per_checkout(sb) == {"cart-00001": 1, "cart-00002": 1, "cart-00003": 1}

    code, out, err = run_cli(["history", "-o", "json"], env=env)
    assert code == 0, err
    no_raw_bytes(out)
    assert shown(outbox, NOT_UTF8) + ":1" in {row["source"] for row in json.loads(out)["results"]}


def test_push_table_of_odd_names(run_cli, sb: Sandbox, outbox: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(
        ["push", str(outbox), "--rate", "1000"], env=account_env(sb, tmp_path / "state", KEY)
    )
    assert code == 0, err
    no_raw_bytes(out + err)
    assert "3 created" in out


def test_spool_moves_an_odd_name_and_logs_it_escaped(
    run_cli, sb: Sandbox, outbox: Path, tmp_path: Path
) -> None:
    done = tmp_path / "pushed"
    env = account_env(sb, tmp_path / "state", KEY)
    code, out, err = run_cli(["push", str(outbox), "--move-pushed", str(done), "--rate", "1000"], env=env)
    assert code == 0, err
    no_raw_bytes(out + err)
    assert sorted(os.listdir(os.fsencode(done))) == sorted([NOT_UTF8, TERMINAL, b"plain.json"])
    assert os.listdir(outbox) == []
    assert f"moved {shown(outbox, NOT_UTF8)} -> {shown(done, NOT_UTF8)}" in err


def test_a_lone_surrogate_id_is_invalid_and_the_batch_is_pushed(
    run_cli, sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = Path("outbox")
    (folder / "bad.json").parent.mkdir(parents=True)
    (folder / "bad.json").write_text(json.dumps(envelope(cart("cart-\ud800"))), encoding="utf-8")
    (folder / "good.json").write_text(json.dumps(envelope(cart(1))), encoding="utf-8")
    code, out, err = run_cli(["validate", str(folder)])
    assert code == 1 and "bad.json:1" in out and "ecomOrder.externalcheckoutid" in out
    env = account_env(sb, tmp_path / "state", KEY)
    for _ in range(2):  # a rerun says the same: nothing sticks
        code, out, err = run_cli(["push", str(folder), "-o", "json", "--rate", "1000"], env=env)
        assert code == 1, err
        assert "unexpected" not in err
        data = json_results(out)
        by_source = {Path(r["source"]).name: r for r in data["results"]}
        assert by_source["bad.json"]["action"] == "invalid"
        assert "ecomOrder.externalcheckoutid" in {e["path"] for e in by_source["bad.json"]["errors"]}
        assert by_source["good.json"]["action"] in ("created", "unchanged")
    assert records_per_checkout(sb) == {"cart-00001": 1}
    code, out, err = run_cli(["push", str(folder), "--rate", "1000"], env=env)  # the table too
    assert code == 1 and "unexpected" not in err and "invalid" in out


def test_odd_names_in_a_batch_big_enough_for_the_workers(run_cli, tmp_path: Path) -> None:
    from acorders.validate.parallel import MIN_FILES

    folder = tmp_path / "outbox"
    for i in range(MIN_FILES + 10):
        write_named(folder, b"cart-%05d\xff\x1b.json" % i, cart(i) if i % 50 else {"ecomOrder": {}})
    code, out, err = run_cli(["validate", "-o", "json", str(folder)])
    assert code == 1, err
    no_raw_bytes(out)
    data = json.loads(out)
    assert data["summary"]["documents"] == MIN_FILES + 10
    invalid = [d["source"] for d in data["documents"] if not d["valid"]]
    assert invalid[0] == f"{folder}/cart-00000\\xff\\x1b.json"
    assert len(invalid) == len(range(0, MIN_FILES + 10, 50))


def test_an_odd_name_given_on_the_command_line(run_cli, sb: Sandbox, tmp_path: Path) -> None:
    path = os.fsdecode(write_named(tmp_path / "outbox", NOT_UTF8, cart(7)))  # as argv hands it over
    env = account_env(sb, tmp_path / "state", KEY)
    code, out, err = run_cli(["push", path, "-o", "json", "--rate", "1000"], env=env)
    assert code == 0, err
    (result,) = json_results(out)["results"]
    assert result["action"] == "created" and result["source"] == shown(tmp_path / "outbox", NOT_UTF8)
