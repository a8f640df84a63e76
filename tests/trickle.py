"""A loopback HTTP server that answers as slowly or as hugely as a test asks (stdlib only).

Just enough of ActiveCampaign's API to be pushed to: every GET answers an empty listing at once, a POST
to /ecomOrders answers 201 with a new record. What each method gets is set per test in ``modes``
(changeable while it runs):

- ``"ok"``: the answer at once;
- ``"trickle"``: the status line and headers at once, then the body one byte every ``interval`` seconds
  (the body is padded with ``padding`` spaces before the JSON, so it takes ``padding * interval`` s);
- ``"trickle-headers"``: even the status line and headers one byte at a time;
- ``"huge"``: a chunked body of ``huge`` bytes (spaces, then the JSON), sent as fast as the client reads.

``requests`` lists (method, path) of every request received, in order. A trickle stops when the server
closes, so a test never leaves a thread behind for long.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MiB = 1024 * 1024


class TrickleServer:
    def __init__(self, *, interval: float = 0.1, padding: int = 2000, huge: int = 64 * MiB) -> None:
        self.interval = interval
        self.padding = padding
        self.huge = huge
        self.modes: dict[str, str] = {"GET": "ok", "POST": "ok", "PUT": "ok"}
        self.requests: list[tuple[str, str]] = []
        self.closed = threading.Event()
        self._lock = threading.Lock()
        self._ids = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def count(self, method: str | None = None, path: str | None = None) -> int:
        with self._lock:
            return sum(
                1 for m, p in self.requests if method in (None, m) and path in (None, p.split("?", 1)[0])
            )

    def __enter__(self) -> TrickleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def answer(self, method: str, path: str, body: Any) -> tuple[int, bytes]:
        """The status and JSON of the answer the API would give, however it is then sent."""
        with self._lock:
            self.requests.append((method, path))
            self._ids += 1
            serial = self._ids
        route = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if method == "GET":
            return 200, json.dumps({route: [], "meta": {"total": "0"}}).encode()
        order = (body or {}).get("ecomOrder", {}) if isinstance(body, dict) else {}
        return 201, json.dumps({"ecomOrder": {**order, "id": str(serial)}}).encode()


def _handler(server: TrickleServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            status, data = server.answer(self.command, self.path, body)
            mode = server.modes.get(self.command, "ok")
            try:
                if mode == "huge":
                    self._huge(status, data)
                else:
                    self._send(status, data, mode)
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass  # the client gave up (its deadline): that is the point

        def _send(self, status: int, data: bytes, mode: str) -> None:
            body = b" " * server.padding + data if mode != "ok" else data
            head = (
                f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            if mode == "trickle-headers":
                self._trickle(head + body)
            elif mode == "trickle":
                self.wfile.write(head)
                self.wfile.flush()
                self._trickle(body)
            else:
                self.wfile.write(head + body)

        def _trickle(self, data: bytes) -> None:
            for i in range(len(data)):
                if server.closed.is_set():
                    return
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                time.sleep(server.interval)

        def _huge(self, status: int, data: bytes) -> None:
            self.wfile.write(
                f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n".encode()
            )
            chunk = b" " * (256 * 1024)
            sent = 0
            while sent < server.huge and not server.closed.is_set():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data))

    return Handler
