"""HTTP plumbing of the sandbox: auth, rate limit (``limiters``), latency, fault injection and keep-alive.

The point is to exercise a client against the failure modes of the real API (429 bursts, 503 HTML
pages, connections dropped after a commit) deterministically, on 127.0.0.1 only.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .api import Api
from .knobs import SandboxConfig
from .limiters import Latency, Limiter
from .store import Store

logger = logging.getLogger("acorders.sandbox")
logger.addHandler(logging.NullHandler())

HTML_PAGE = "<!DOCTYPE html>\n<html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>\n"


@dataclass
class RequestRecord:
    """One request as the sandbox saw it; ``status`` is None while in flight and is the status the
    request got (or would have got, when ``dropped``)."""

    method: str
    path: str
    query: dict[str, str]
    time: float
    status: int | None = None
    body: Any = None  # parsed JSON body, None if absent or malformed
    client_port: int = 0
    connection: int = 0  # serial number of the TCP connection (keep-alive reuses it)
    dropped: bool = False


@dataclass
class _Fault:
    status: int
    body: str | None
    retry_after: int | None


def check_loopback(host: str) -> str:
    """The address to bind for ``host``; ValueError unless it is loopback (the sandbox has no auth worth the
    name)."""
    if host == "localhost":
        return "127.0.0.1"
    with suppress(ValueError):
        if ipaddress.ip_address(host).is_loopback:
            return host
    raise ValueError(f"the sandbox only listens on loopback (127.0.0.0/8, ::1, localhost), not {host!r}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("error while serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: avoid the 40 ms delayed-ACK stall
    server_version = "acorders-sandbox/1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.serial = self.server.sandbox._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sandbox._closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        sb = self.server.sandbox
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        raw = self._read_body()
        if url.path == "/favicon.ico" or (url.path == "/" and "text/html" in self.headers.get("Accept", "")):
            self._dashboard(url.path)  # for a browser: not the API, so neither recorded nor rate limited
            return
        malformed = False
        body: Any = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                malformed = True
        record = RequestRecord(
            self.command,
            url.path,
            query,
            time.time(),
            body=body,
            client_port=self.client_address[1],
            connection=self.serial,
        )
        sb._record(record)
        status, payload, headers, drop = self._answer(url.path, query, body, malformed)
        record.status = status
        delay = sb._latency.delay(sb.config.latency, sb.config.jitter)
        if delay > 0:
            time.sleep(delay)
        if drop:
            record.dropped = True
            self._drop()
        else:
            self._respond(status, payload, headers)
        sb._told(record)

    def _answer(
        self, path: str, query: dict[str, str], body: Any, malformed: bool
    ) -> tuple[int, Any, dict[str, str], bool]:
        """(status, payload, headers, drop the connection instead): the rate limit, the URL, the key and
        the injected faults first, then the route."""
        sb = self.server.sandbox
        config = sb.config
        allowed, limit_headers = sb._limiter.take(config.limiter, config.rate)
        headers = dict(limit_headers)
        if not allowed:
            return 429, {"message": "Too Many Requests"}, headers, False
        if not (path == "/api/3" or path.startswith("/api/3/")):
            return 404, HTML_PAGE.format("404 Not Found"), headers, False
        if self.headers.get("Api-Token") != config.api_key:
            return 403, {"message": "You are not authorized to access this resource"}, headers, False
        fault = sb._take_fault()
        if fault is not None:
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            return fault.status, fault.body, headers, False
        if malformed:
            return 400, {}, headers, False
        try:
            status, payload = sb.api.handle(self.command, path.rstrip("/") or "/", query, body)
        except Exception:  # a sandbox bug must not look like a dropped connection
            logger.exception("sandbox failed on %s %s", self.command, path)
            return 500, {"message": "Internal sandbox error"}, headers, False
        return status, payload, headers, self.command in ("POST", "PUT") and sb._take_drop()

    def _dashboard(self, path: str) -> None:
        from .dashboard import answer

        sb = self.server.sandbox
        with sb._lock:
            requests = list(sb.requests)
        host = self.headers.get("Host")
        self._respond(*answer(self.command, path, host, sb.store, requests, sb.config.api_key))

    def _respond(self, status: int, payload: dict[str, Any] | str, headers: dict[str, str]) -> None:
        if isinstance(payload, str):
            data = payload.encode()
            stripped = payload.lstrip()
            ctype = "application/json" if stripped[:1] in ("{", "[") else "text/html; charset=UTF-8"
        else:
            data, ctype = json.dumps(payload).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _drop(self) -> None:
        """Close the connection without a byte of response, as a proxy timing out after the commit would."""
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class Sandbox:
    """An ActiveCampaign-compatible API on 127.0.0.1, served from a daemon thread."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str = ":memory:",
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.log = log  # one line per request answered (acorders sandbox: stderr, as stripe-mock does)
        self.host = check_loopback(host)
        self.port = port
        self.store = Store(db)
        self.api = Api(self.store, lambda: self.config)
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._limiter = Limiter()
        self._latency = Latency(self.config.seed)
        self._random = random.Random(self.config.seed)
        self._faults: deque[_Fault] = deque()
        self._drops = 0
        self._sockets: dict[socket.socket, int] = {}
        self._serial = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (without ``/api/3``); kept after stop() so a client can hit a dead
        server."""
        if self._url is None:
            raise RuntimeError("Sandbox.url is known only after start()")
        return self._url

    def start(self) -> Sandbox:
        """Bind (the same port again after a stop()) and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self._url = f"http://{shown}:{self.port}"
        self.api.base_url = self._url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),  # quick stop()
            name="acorders-sandbox",
            daemon=True,
        )
        self._thread.start()
        logger.info("sandbox listening on %s", self._url)
        return self

    def stop(self) -> None:
        """Stop serving and cut open keep-alive connections; the store stays readable."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        logger.info("sandbox on %s stopped", self._url)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- fault injection ----------------------------------------------------------------------

    def fail_next(
        self, n: int, status: int = 503, body: str | None = None, retry_after: int | None = None
    ) -> None:
        """The next ``n`` authorised requests get ``status`` instead of being handled."""
        if body is None:
            body = json.dumps({"message": "Too Many Requests"}) if status == 429 else None
        with self._lock:
            for _ in range(n):
                self._faults.append(_Fault(status, body, retry_after))

    def drop_next(self, n: int) -> None:
        """The next ``n`` POST/PUT requests are committed, then the connection is closed without a
        response."""
        with self._lock:
            self._drops += n

    def count(
        self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
    ) -> int:
        """How many recorded requests match all the given criteria."""
        with self._lock:
            records = list(self.requests)
        return sum(
            1
            for r in records
            if (method is None or r.method == method.upper())
            and (path_prefix is None or r.path.startswith(path_prefix))
            and (status is None or r.status == status)
        )

    # -- used by the handler ------------------------------------------------------------------

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def _told(self, record: RequestRecord) -> None:
        if self.log is not None:
            ms = (time.time() - record.time) * 1000
            dropped = " (connection dropped)" if record.dropped else ""
            self.log(f"{record.method} {record.path} {record.status} {ms:.0f} ms{dropped}")

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            if self._faults:
                fault = self._faults.popleft()
                if fault.body is None:
                    fault = _Fault(fault.status, HTML_PAGE.format(f"{fault.status} Error"), fault.retry_after)
                return fault
            if self.config.fail_rate > 0 and self._random.random() < self.config.fail_rate:
                return _Fault(503, HTML_PAGE.format("503 Service Unavailable"), None)
        return None

    def _take_drop(self) -> bool:
        with self._lock:
            if self._drops > 0:
                self._drops -= 1
                return True
            return self.config.drop_after_commit > 0 and self._random.random() < self.config.drop_after_commit

    def _opened(self, sock: socket.socket) -> int:
        with self._lock:
            self._serial += 1
            self._sockets[sock] = self._serial
            return self._serial

    def _closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.pop(sock, None)
