"""The entry point in a real process: a Ctrl-C after the command has finished (while the interpreter shuts
down) ends the process as the signal does, with no traceback."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tests.helpers import SAMPLES

# Runs the console entry on one file, then sends itself SIGINT from an exit handler: the moment a user's
# late Ctrl-C lands in the interpreter's shutdown.
LATE_CTRL_C = """
import atexit, os, signal, sys, time
def late():
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.5)
atexit.register(late)
sys.argv = ["acorders", "validate", sys.argv[1]]
from acorders.launch import main
main()
"""


@pytest.mark.slow
def test_ctrl_c_during_shutdown_ends_by_the_signal_without_a_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", LATE_CTRL_C, str(SAMPLES / "reference-cart.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "1 document valid" in proc.stdout
    assert proc.stderr == "", proc.stderr
    assert proc.returncode == -signal.SIGINT
