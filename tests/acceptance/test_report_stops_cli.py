"""`acorders validate` and `acorders push` with -o json / -o ndjson, stopped whatever the way: a fatal
error before the run has a report (a path that does not exist, no API key), one the runner reports (a
ledger that cannot be opened, an unreachable account), Ctrl-C or SIGTERM against a real process part-way
through a big batch or before the first result. stdout is exactly one JSON document with ok: false (or
whole NDJSON lines, the summary line on stderr saying it stopped); the exit status is exit_status_for's;
never a traceback."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli
from tests.helpers import ROOT, cart, unreachable_account

REFERENCE = str(ROOT / "samples" / "reference-cart.json")


def one_document(out: str) -> dict[str, Any]:
    report = json.loads(out)  # exactly one: a second one would be "Extra data"
    assert set(report) == {"ok", "summary", "documents"} or set(report) == {"ok", "summary", "results"}
    return report


def summary_line(err: str) -> dict[str, Any]:
    """The NDJSON summary line on stderr (the error handler's message may follow it)."""
    lines = [line for line in err.splitlines() if line.startswith('{"ok"')]
    assert len(lines) == 1, err
    return json.loads(lines[0])


# --------------------------------------------------------------------------- fatal errors


@pytest.mark.parametrize("command", ["validate", "push"])
def test_a_path_that_does_not_exist_still_gets_one_json_document(
    run_cli: RunCli, tmp_path: Path, command: str
) -> None:
    missing = str(tmp_path / "no-such-outbox")
    env = {"ACORDERS_STATE_DIR": str(tmp_path / "state"), "ACTIVECAMPAIGN_URL": "http://127.0.0.1:9"}
    code, out, err = run_cli([command, REFERENCE, missing, "-o", "json"], env=env)
    assert code == 2, err
    report = one_document(out)  # before: nothing at all on stdout
    key = "documents" if command == "validate" else "results"
    assert report["ok"] is False and report[key] == []
    assert "no such file or directory" in report["summary"]["stopped"]
    assert "error: no such file or directory" in err and "Traceback" not in err


def test_a_path_that_does_not_exist_with_ndjson_says_so_in_the_summary_line(
    run_cli: RunCli, tmp_path: Path
) -> None:
    code, out, err = run_cli(["validate", str(tmp_path / "none.json"), "-o", "ndjson"])
    assert code == 2, err
    assert out == ""
    summary = summary_line(err)  # before: no summary line at all
    assert summary["ok"] is False and "no such file or directory" in summary["summary"]["stopped"]


def test_push_without_an_api_key_still_gets_one_json_document(run_cli: RunCli, tmp_path: Path) -> None:
    env = {"ACTIVECAMPAIGN_URL": "https://shop.api-us1.com", "ACORDERS_STATE_DIR": str(tmp_path / "s")}
    code, out, err = run_cli(["push", REFERENCE, "-o", "json"], env=env)
    assert code == 3, err
    report = one_document(out)  # before: nothing at all on stdout
    assert report["ok"] is False and report["results"] == [] and report["summary"]["stopped"]
    assert "Traceback" not in err


def test_push_whose_ledger_cannot_be_opened_writes_one_json_document(run_cli: RunCli, tmp_path: Path) -> None:
    state = tmp_path / "state-is-a-file"
    state.write_text("x", encoding="utf-8")
    env = {"ACTIVECAMPAIGN_URL": "http://127.0.0.1:9", "ACTIVECAMPAIGN_API_KEY": "k" * 40}
    code, out, err = run_cli(["push", REFERENCE, "-o", "json", "--state-dir", str(state)], env=env)
    assert code == 3, err
    report = one_document(out)  # the runner's document, and no second one from the error handler
    assert report["ok"] is False and "cannot open the ledger" in report["summary"]["stopped"]
    assert "error: cannot open the ledger" in err and "hint:" in err


def test_push_to_an_unreachable_account_is_one_json_document(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = unreachable_account(tmp_path, monkeypatch)
    code, out, err = run_cli(["push", REFERENCE, "--rate", "1000", "-o", "json"], env=env)
    assert code == 4, err
    report = one_document(out)
    assert report["ok"] is False and [r["action"] for r in report["results"]] == ["failed"]


@pytest.mark.parametrize("output", ["json", "ndjson"])
@pytest.mark.parametrize(
    ("raised", "status", "said"),
    [(KeyboardInterrupt, 130, "Ctrl-C"), (RuntimeError("a bug"), 1, "unexpected RuntimeError: a bug")],
    ids=["ctrl-c", "unexpected"],
)
def test_validate_stopped_before_its_report_exists_still_gets_one(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, output: str, raised: Any, status: int, said: str
) -> None:
    """Stopped while the command reads its settings, before the run has a reporter."""
    import acorders.cli.validate

    def stopped(*args: Any, **kwargs: Any) -> Any:
        raise raised

    monkeypatch.setattr(acorders.cli.validate, "settings_without_account", stopped)
    code, out, err = run_cli(["validate", REFERENCE, "-o", output])
    assert code == status, err
    if output == "json":
        report = one_document(out)  # before: nothing on stdout
        assert report["ok"] is False and report["documents"] == []
        assert said in report["summary"]["stopped"]
    else:
        assert out == "" and said in summary_line(err)["summary"]["stopped"]
    assert "Traceback" not in err


# --------------------------------------------------------------------------- signals, a real process


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIVECAMPAIGN_", "ACORDERS_"))}
    env["ACORDERS_CONFIG"] = str(tmp_path / "none.toml")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _some_output(proc: subprocess.Popen[bytes], at_least: int = 8192, timeout: float = 60) -> bytes:
    """What stdout shows first, ``at_least`` that many bytes of it: the run has results by then."""
    assert proc.stdout is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while len(seen) < at_least:
        assert time.monotonic() < deadline, f"no output in time: {seen[-200:]!r}"
        ready, _, _ = select.select([proc.stdout], [], [], 0.05)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            assert chunk, proc.communicate()
            seen += chunk
    return seen


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="process groups and fork")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_validate_json_stopped_part_way_through_a_big_batch_is_one_document(
    tmp_path: Path, cart_order: dict[str, Any], signum: int
) -> None:
    """The colleague's report: Ctrl-C part-way through a big batch (workers checking, on every core)."""
    from acorders.validate.parallel import MIN_FILES

    outbox = tmp_path / "outbox"
    outbox.mkdir()
    for i in range(MIN_FILES * 10):
        (outbox / f"cart-{i:05}.json").write_text(
            json.dumps({"ecomOrder": {**cart_order, "externalcheckoutid": f"c{i}"}}), encoding="utf-8"
        )
    proc = subprocess.Popen(
        [sys.executable, "-m", "acorders", "validate", str(outbox), "-o", "json"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    head = _some_output(proc)
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)  # Ctrl-C reaches the whole process group, workers included
    else:
        proc.send_signal(signum)  # a supervisor's SIGTERM
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == (130 if signum == signal.SIGINT else 143), err
    report = one_document((head + rest).decode())  # before: an array never closed
    assert report["ok"] is False
    assert 0 < len(report["documents"]) < MIN_FILES * 10
    assert ("Ctrl-C" if signum == signal.SIGINT else "SIGTERM") in report["summary"]["stopped"]
    assert b"Traceback" not in err


@pytest.mark.slow
@pytest.mark.parametrize("output", ["json", "ndjson"])
def test_validate_of_stdin_stopped_before_any_document_still_reports(tmp_path: Path, output: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "acorders", "validate", "-", "-f", "ndjson", "-o", output],
        env=_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(cart(1)))  # half a line: validate waits for the rest
    proc.stdin.flush()
    time.sleep(2.0)  # the command runs, and waits on stdin
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    if output == "json":
        report = one_document(out)  # before: nothing at all on stdout
        assert report["documents"] == [] and "SIGTERM" in report["summary"]["stopped"]
    else:
        assert out == "" and "SIGTERM" in summary_line(err)["summary"]["stopped"]
    assert "Traceback" not in err


def _stalled_validate(tmp_path: Path, cart_order: dict[str, Any], output: str) -> subprocess.Popen[bytes]:
    """validate of a big batch whose reader does not read: stdout's pipe fills, the report's write
    blocks."""
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    for i in range(3000):
        (outbox / f"cart-{i:05}.json").write_text(
            json.dumps({"ecomOrder": {**cart_order, "externalcheckoutid": f"c{i}"}}), encoding="utf-8"
        )
    proc = subprocess.Popen(
        [sys.executable, "-m", "acorders", "validate", str(outbox), "-o", output],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(3.0)  # started, checked what a pipe holds, and blocked writing the rest
    assert proc.poll() is None, proc.communicate()
    return proc


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
@pytest.mark.parametrize("output", ["json", "ndjson"])
def test_sigterm_while_the_report_waits_for_its_reader_still_ends_it_whole(
    tmp_path: Path, cart_order: dict[str, Any], output: str
) -> None:
    proc = _stalled_validate(tmp_path, cart_order, output)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)  # the reader reads again
    assert proc.returncode == 143, err
    if output == "json":
        report = one_document(out.decode())
        assert report["ok"] is False and "SIGTERM" in report["summary"]["stopped"]
        assert report["summary"]["documents"] == len(report["documents"]) < 3000
    else:
        lines = [json.loads(line) for line in out.decode().splitlines()]  # each one whole
        summary = summary_line(err.decode())
        assert summary["summary"]["documents"] == len(lines) < 3000
    assert b"Traceback" not in err


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_second_signal_while_the_report_waits_for_its_reader_ends_the_process(
    tmp_path: Path, cart_order: dict[str, Any]
) -> None:
    """The first is held until the write is whole; a reader that never reads again must not make the
    process unstoppable."""
    proc = _stalled_validate(tmp_path, cart_order, "json")
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert proc.poll() is None  # held: the write is not whole yet
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGTERM
