"""A real SIGINT delivered while the push writes its report (the stream sends it to this very process in
the middle of a write): -o json stays one complete JSON document and every cart keeps its result, after
one interrupt or two. In-process against the sandbox, so the signal lands at an exact write."""

from __future__ import annotations

import io
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from acorders.config import Settings
from acorders.environment import Environment
from acorders.errors import ExitStatus
from acorders.push.ledger import DONE
from acorders.push.runner import PushOptions, PushRequest, run
from acorders.report import build_reporter
from tests.helpers import KEY, ledger_rows, records_per_checkout, sandbox, write_carts

N = 20


class SignallingStream(io.StringIO):
    """stdout that sends this process SIGINT right after its writes number ``at`` (1-based)."""

    def __init__(self, at: set[int]) -> None:
        super().__init__()
        self.at = at
        self.writes = 0

    def write(self, text: str) -> int:
        n = super().write(text)
        self.writes += 1
        if self.writes in self.at:
            os.kill(os.getpid(), signal.SIGINT)
        return n


def push(tmp_path: Path, output: str, at: set[int]) -> tuple[Any, str, bool]:
    """(outcome or None, stdout, whether a KeyboardInterrupt escaped the run)."""
    outbox = tmp_path / "outbox"
    write_carts(outbox, N)
    stream = SignallingStream(at)
    env = Environment(stdin=None, stdout=stream, stderr=io.StringIO())
    with sandbox(latency=0.02) as sb:
        request = PushRequest(
            paths=[str(outbox)],
            settings=Settings(url=sb.url, api_key=KEY),
            rate=1000,
            state_dir=tmp_path / "state",
            options=PushOptions(workers=2),
        )
        reporter = build_reporter(output, env, key="results")
        try:
            outcome = run(request, reporter)
        except KeyboardInterrupt:
            return None, stream.getvalue(), True
        finally:
            counts = records_per_checkout(sb)
    assert all(n == 1 for n in counts.values()), counts
    return outcome, stream.getvalue(), False


@pytest.mark.parametrize("at", [{5}, {5, 9}], ids=["once", "twice"])
def test_json_is_one_complete_document_whatever_write_ctrl_c_lands_on(tmp_path: Path, at: set[int]) -> None:
    outcome, out, escaped = push(tmp_path, "json", at)
    assert not escaped, f"Ctrl-C escaped the push; stdout so far: {out[-300:]!r}"
    report = json.loads(out)  # before: `},\n,\n{` (once), or an array never closed (twice)
    assert outcome.status == ExitStatus.INTERRUPTED
    assert len(report["results"]) == N and "Ctrl-C" in report["summary"]["stopped"]
    rows = {r["ext"]: r for r in ledger_rows(tmp_path / "state")}
    for r in report["results"]:
        if r["action"] == "created":
            assert rows[r["externalcheckoutid"]]["state"] == DONE


@pytest.mark.parametrize("at", [{3}, {3, 5}], ids=["once", "twice"])
def test_ndjson_lines_are_whole_and_every_cart_has_one(tmp_path: Path, at: set[int]) -> None:
    outcome, out, escaped = push(tmp_path, "ndjson", at)
    assert not escaped, f"Ctrl-C escaped the push; stdout so far: {out[-300:]!r}"
    lines = [json.loads(line) for line in out.splitlines()]
    assert out.endswith("\n") and len(lines) == N
    assert outcome.status == ExitStatus.INTERRUPTED
