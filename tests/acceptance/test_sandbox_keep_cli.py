"""`push --sandbox --keep`: the push is reported, the dashboard's address printed, and the sandbox serves
it until Ctrl-C; without --keep the sandbox stops with the push."""

from __future__ import annotations

import http.client
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import acorders.cli.push
from tests.helpers import cart, write_json
from tests.htmltree import parse


def _dashboard(url: str) -> str:
    """GET the printed address as a browser would (http.client: no proxy from the environment)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", parts.path, headers={"Accept": "text/html"})
        answer = conn.getresponse()
        assert answer.status == 200
        return answer.read().decode()
    finally:
        conn.close()


def test_keep_prints_the_dashboard_and_serves_it_until_ctrl_c(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, str] = {}

    def look_then_ctrl_c() -> None:
        seen["html"] = _dashboard(seen["url"])
        raise KeyboardInterrupt

    real_keep = acorders.cli.push._keep_serving

    def keep(url: str) -> None:
        seen["url"] = url
        real_keep(url)

    monkeypatch.setattr(acorders.cli.push, "_keep_serving", keep)
    monkeypatch.setattr(acorders.cli.push, "wait_until_interrupted", look_then_ctrl_c)
    write_json(tmp_path / "outbox" / "a.json", cart("kept-1"))
    code, out, err = run_cli(["push", str(tmp_path / "outbox"), "--sandbox", "--keep", "-o", "json"])
    assert code == 0, err
    assert json.loads(out)["summary"]["created"] == 1  # stdout stays the results
    printed = re.search(r"sandbox dashboard: (http://127\.0\.0\.1:\d+/) ", err)
    assert printed and printed.group(1) == seen["url"]
    assert "Ctrl-C to stop" in err and "sandbox stopped" in err
    root = parse(seen["html"])
    assert [s.one("h2").text for s in root.all("section", "cart")] == ["Cart kept-1"]
    with pytest.raises(OSError):
        _dashboard(seen["url"])  # stopped once Ctrl-C was pressed


def test_keep_needs_a_sandbox_push(run_cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "a.json", cart(1))
    for extra in ([], ["--sandbox", "--dry-run"]):
        code, _, err = run_cli(["push", str(path), "--keep", *extra])
        assert code == 2 and "--keep keeps the sandbox of a push --sandbox running" in err, err


def test_without_keep_nothing_is_printed_of_a_dashboard(run_cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "a.json", cart(1))
    code, _, err = run_cli(["push", str(path), "--sandbox"])
    assert code == 0 and "dashboard" not in err
