"""The ledger across processes: runs that open a fresh ledger at the same instant."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from acorders.push.ledger import (
    LEDGER_NAME,
)


@pytest.mark.slow
def test_runs_opening_a_fresh_ledger_at_the_same_instant_all_succeed(tmp_path: Path) -> None:
    """Cron starts two pushes at the same minute on a new machine: neither may fail with "cannot open
    the ledger". (Before the set-up waited, about one open in five failed like this.)"""
    import subprocess
    import sys

    code = (
        "import sys, time\nfrom pathlib import Path\nfrom acorders.push.ledger import Ledger\n"
        "go = float(sys.argv[2])\nwhile time.time() < go: pass\nLedger(Path(sys.argv[1])).close()\n"
    )
    for trial in range(8):
        path = tmp_path / f"state{trial}" / LEDGER_NAME
        go = time.time() + 0.5  # after both interpreters have started
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", code, str(path), str(go)], stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
