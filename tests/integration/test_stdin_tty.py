"""`validate -` typed at a real terminal (a pty): it says it is reading stdin, and one Ctrl-D ends it."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.helpers import ROOT, read_until


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_stdin_on_a_terminal_says_so_and_one_ctrl_d_ends_it(tmp_path) -> None:
    main, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIVECAMPAIGN_", "ACORDERS_"))}
    env["ACORDERS_CONFIG"] = str(tmp_path / "none.toml")
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "acorders", "validate", "-"],
        stdin=child,
        stdout=subprocess.PIPE,
        stderr=child,
        env=env,
    )
    os.close(child)
    try:
        shown = read_until(main, b"Ctrl-D", 30)
        assert b"reading stdin (Ctrl-D to end)" in shown, shown
        os.write(main, b"\x04")  # one Ctrl-D on an empty line
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    assert proc.returncode is not None
