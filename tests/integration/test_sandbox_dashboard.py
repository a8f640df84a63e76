"""The sandbox's read-only dashboard at / : what arrived (connections, customers, carts and orders with their
state and times, each cart's preview) and the last requests, never a key; pushed to by the real CLI."""

from __future__ import annotations

import http.client
import os
import re
import select
import signal
import subprocess
import time
from pathlib import Path

from acorders.sandbox import Sandbox
from tests.helpers import SECRET_KEY, account_env, acorders_cmd, cart, sandbox, subprocess_env, write_json
from tests.htmltree import Element, parse


def get(
    sb: Sandbox, path: str = "/", method: str = "GET", host: str | None = None, accept: str | None = None
) -> tuple[int, str]:
    conn = http.client.HTTPConnection(sb.host, sb.port, timeout=10)
    try:
        headers = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # as a browser asks
        if host:
            headers["Host"] = host
        if accept is not None:
            headers["Accept"] = accept
        if method == "POST":
            headers["Api-Token"] = SECRET_KEY
        conn.request(method, path, body=b"{}" if method == "POST" else None, headers=headers)
        answer = conn.getresponse()
        return answer.status, answer.read().decode()
    finally:
        conn.close()


def rows(panel: Element) -> list[list[str]]:
    return [[td.text for td in tr.all("td")] for tr in panel.all("tr")[1:]]


def test_the_dashboard_shows_what_arrived(run_cli, tmp_path: Path) -> None:
    with sandbox(api_key=SECRET_KEY) as sb:
        empty = parse(get(sb)[1])
        assert rows(_panel(empty, "orders")) == [["none yet"]]
        outbox = tmp_path / "outbox"
        write_json(outbox / "a.json", cart("cart-a"))
        bare = cart("cart-b")
        del bare["orderProducts"][0]["imageUrl"]
        write_json(outbox / "b.json", bare)
        env = account_env(sb, tmp_path / "state", SECRET_KEY)
        code, _, err = run_cli(["push", str(outbox), "--rate", "1000"], env=env)
        assert code == 0, err
        write_json(tmp_path / "later" / "a.json", cart("cart-a", externalid="order-a"))
        code, _, err = run_cli(["push", str(tmp_path / "later"), "--rate", "1000"], env=env)
        assert code == 0, err
        api_requests = sb.count()
        status, html = get(sb)
        assert status == 200 and sb.count() == api_requests  # the dashboard itself is not recorded
    assert SECRET_KEY not in html and SECRET_KEY[-8:] not in html
    root = parse(html)
    assert root.all("script") == []
    assert rows(_panel(root, "connections")) and rows(_panel(root, "customers"))
    orders = {r[2]: r for r in rows(_panel(root, "orders"))}
    assert orders["cart-a"][1] == "recovered" and orders["cart-a"][3] == "order-a"
    assert orders["cart-b"][1] == "abandoned"
    assert all(r[6] and r[7] for r in orders.values())  # arrived, updated
    assert orders["cart-b"][5].startswith("$")
    previews = root.all("section", "cart")
    assert len(previews) == 2
    b = next(p for p in previews if p.one("h2").text == "Cart cart-b")
    assert b.one(cls="missing").text == "no image" and "imageUrl" in b.one("ul", "findings").text
    requests = rows(_panel(root, "requests"))
    assert requests and all(len(r) == 4 for r in requests)
    assert any(r[1] == "POST" and r[2] == "/api/3/ecomOrders" and r[3] == "201" for r in requests)
    assert any(r[1] == "PUT" and r[2].startswith("/api/3/ecomOrders/") and r[3] == "200" for r in requests)


def _panel(root: Element, name: str) -> Element:
    return next(s for s in root.all("section", "panel") if s.attrs.get("id") == name)


def test_the_dashboard_is_read_only_loopback_and_never_shows_the_key() -> None:
    with sandbox(api_key=SECRET_KEY, rate=1) as sb:
        get(sb, f"/api/3/{SECRET_KEY}?api_key={SECRET_KEY}")  # a client that put the key where it should not
        for _ in range(5):
            assert get(sb)[0] == 200  # not rate limited, as the API is at 1/s
        assert get(sb, method="POST")[0] == 405
        assert get(sb, host="evil.example:8765")[0] == 403  # DNS rebinding: refused
        assert get(sb, host=f"localhost:{sb.port}")[0] == 200
        assert get(sb, "/favicon.ico")[0] == 404
        status, html = get(sb)
        assert sb.count() == 1
        sb.config.rate = 0
        api_client = get(sb, accept="application/json")  # not a browser: the API's own 404 page, recorded
        assert api_client[0] == 404 and "<title>404 Not Found</title>" in api_client[1]
        assert sb.count() == 2
    assert status == 200 and SECRET_KEY not in html
    assert [r[2] for r in rows(_panel(parse(html), "requests"))] == ["/api/3/<key>"]


def test_acorders_sandbox_prints_the_dashboard_address(tmp_path: Path) -> None:
    with sandbox() as placeholder:  # subprocess_env wants one; the command starts its own
        env = subprocess_env(placeholder, tmp_path / "state", tmp_path)
    env["ACORDERS_SANDBOX_KEY"] = SECRET_KEY
    proc = subprocess.Popen(acorders_cmd("sandbox", "--port", "0"), env=env, stderr=subprocess.PIPE)
    try:
        text = _read_until(proc, "/\n", "dashboard", 30)
        lines = text.splitlines()
        found = re.search(r"dashboard .*: (http://127\.0\.0\.1:(\d+)/)$", lines[-1].strip())
        assert found, lines
        conn = http.client.HTTPConnection("127.0.0.1", int(found.group(2)), timeout=10)
        conn.request("GET", "/", headers={"Accept": "text/html"})
        answer = conn.getresponse()
        html = answer.read().decode()
        conn.close()
        assert answer.status == 200 and "acorders sandbox" in html
        assert SECRET_KEY not in text + html
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def _read_until(proc: subprocess.Popen[bytes], end: str, word: str, seconds: float) -> str:
    """stderr until a line with ``word`` ends with ``end``: fails after ``seconds`` instead of hanging."""
    assert proc.stderr is not None
    fd, out, deadline = proc.stderr.fileno(), b"", time.monotonic() + seconds
    while not (word in out.decode() and out.decode().endswith(end)):
        left = deadline - time.monotonic()
        assert left > 0 and select.select([fd], [], [], left)[0], f"no {word!r} line: {out.decode()!r}"
        chunk = os.read(fd, 4096)
        assert chunk, f"stderr closed: {out.decode()!r}"
        out += chunk
    return out.decode()
