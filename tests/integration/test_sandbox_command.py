"""`acorders sandbox` as a user runs it, in a real process: a taken port is a clear error (exit 3), each
request is one line on stderr (method, path, status, ms, as stripe-mock logs), and Ctrl-C exits 130."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import ROOT

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIVECAMPAIGN_", "ACORDERS_"))}
    env["ACORDERS_CONFIG"] = str(tmp_path / "none.toml")
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_a_taken_port_is_a_clear_error_exit_3(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "acorders", "sandbox", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env=_env(tmp_path),
        )
    assert proc.returncode == 3, proc.stderr
    assert f"port {port}" in proc.stderr and "--port" in proc.stderr
    assert "unexpected" not in proc.stderr and "report it" not in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child")
def test_each_request_is_one_line_on_stderr_and_ctrl_c_exits_130(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "acorders", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    watchdog = threading.Timer(60, proc.kill)  # a missing line must fail the test, not hang it
    watchdog.start()
    try:
        assert proc.stderr is not None
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            match = LISTENING.search(proc.stderr.readline())
            url = match.group(1) if match else None
        assert url, "the sandbox never said where it listens"
        with pytest.raises(urllib.error.HTTPError):  # no key: 403
            urllib.request.urlopen(url + "/api/3/ecomOrders?limit=1", timeout=10)
        line = proc.stderr.readline()
        while line.startswith("  "):  # the ready message's other lines (export ..., the dashboard)
            line = proc.stderr.readline()
        assert re.fullmatch(r"GET /api/3/ecomOrders 403 \d+ ms\n", line), line
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    rest = proc.stderr.read()
    assert "Traceback" not in rest
