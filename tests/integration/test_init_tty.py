"""`acorders init` at a real terminal (pty.fork: the pty is the controlling terminal, as in a shell): it
asks for the URL, then the key without echoing it, verifies them and writes the profile."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, SECRET_KEY, read_until, sandbox

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a pty")


def _wait(pid: int, timeout: float = 30) -> int:
    """The child's wait status; killed (and the test failed) if it is still waiting for input."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError("acorders init was still waiting after the answers")


def test_init_asks_and_never_echoes_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIVECAMPAIGN_", "ACORDERS_"))}
    env.update(ACORDERS_CONFIG=str(config), PYTHONPATH=str(ROOT), NO_COLOR="1")
    with sandbox(api_key=SECRET_KEY) as sb:
        pid, fd = os.forkpty() if hasattr(os, "forkpty") else (0, 0)
        if pid == 0:  # the child: acorders on the pty
            try:
                os.execve(sys.executable, [sys.executable, "-m", "acorders", "init"], env)
            finally:
                os._exit(127)
        try:
            shown = read_until(fd, b"URL")
            assert b"API URL" in shown, shown
            os.write(fd, sb.url.encode() + b"\r")
            shown = read_until(fd, b"not shown")
            time.sleep(1)  # the prompt is written just before echo goes off: type as a person would, after
            os.write(fd, SECRET_KEY.encode() + b"\r")
            shown += read_until(fd, b"wrote")
            shown += read_until(fd, b"\n", timeout=5)
            status = _wait(pid)
        finally:
            os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, shown.decode(errors="replace")
    assert b"wrote [default]" in shown
    assert SECRET_KEY.encode()[:-4] not in shown  # no echo, and only the last 4 characters in the summary
    assert "api_key" in config.read_text(encoding="utf-8")
