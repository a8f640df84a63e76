"""A hostile ActiveCampaign for tests: a stdlib HTTP server on 127.0.0.1 (port 0, loopback only) that speaks
just enough of /api/3 (``users/me``, ``connections``, ``ecomCustomers``, ``ecomOrders``) to be pushed to, and
misbehaves when a test asks it to. The sandbox (acorders.sandbox) imitates ActiveCampaign; this one plays
the server an attacker or a broken proxy would be.

Knobs (attributes and methods of ``Hostile``; set them before or during a run):

- ``key``: the only Api-Token accepted (anything else: 403).
- ``duplicates``: ``"accept"`` (the default, the worst case: a second record with the same ids is stored
  without a word) or ``"reject"`` (422 with code ``duplicate``).
- ``after_commit(method, path, *outcomes)``: the next matching writes are committed, then answered with
  each outcome in turn: an HTTP status (503, 500, ...: an HTML error page), ``RESET`` (the connection is
  reset, no answer), or ``BadId(value)`` (a 201 whose ``id`` is ``value``: an object, 1.5, True, "").
- ``meta``: how listings report their size: ``"exact"`` (the default), ``"none"`` (no ``meta`` at all), or
  an int added to the true ``meta.total`` (a total that does not match what the pages hold).
- ``page_cap``: the most rows one page holds, whatever ``limit`` asks (ActiveCampaign's is 100).
- ``echo(method, path, how, status=400, times=1)``: the next matching requests are not handled but
  answered ``status`` with an error body that echoes the Api-Token: ``"json"`` (``\\u005a...``), ``"html"``
  (``&#x5a;...``) or ``"url"`` (``%5A...``).

``requests`` records what was asked (``Seen``); ``records(kind)`` what is stored. To add a misbehaviour, add a
knob and consult it in ``answer`` (or a rule action, like ``after_commit``'s outcomes).
"""

from __future__ import annotations

import html
import json
import re
import socket
import struct
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

RESET = "reset"
KINDS = {"ecomOrders": "ecomOrder", "ecomCustomers": "ecomCustomer", "connections": "connection"}
OWN_IDS = {  # the fields that name a record, in the order they are tried
    "ecomOrders": ("externalid", "externalcheckoutid"),
    "ecomCustomers": ("externalid",),
    "connections": ("externalid",),
}


class BadId(NamedTuple):
    """A 201 whose record id is ``value`` (not an id)."""

    value: Any


class Seen(NamedTuple):
    method: str
    path: str  # without /api/3 and the query: "/ecomOrders", "/ecomOrders/3"
    query: dict[str, str]
    body: Any


class Answer(NamedTuple):
    status: int
    body: bytes
    content_type: str = "application/json"
    reset: bool = False


@dataclass
class _Rule:
    method: str
    path: str
    actions: list[Any]  # consumed one per matching request
    kind: str  # "commit" (the write is handled, then the action answers) or "echo" (not handled)
    extra: dict[str, Any] = field(default_factory=dict)


def escape_json(text: str) -> str:
    """Every character as a JSON ``\\uXXXX`` escape."""
    return "".join(f"\\u{ord(c):04x}" for c in text)


def escape_html(text: str) -> str:
    """Every character as a hexadecimal HTML character reference."""
    return "".join(f"&#x{ord(c):x};" for c in text)


def escape_url(text: str) -> str:
    """Every character percent-encoded."""
    return "".join(f"%{b:02X}" for b in text.encode())


def exposes(text: str, key: str) -> bool:
    """Does ``text`` show ``key``, in clear or behind JSON escapes, HTML references or percent-encoding
    (each up to three times, in any order)?"""
    variants = {text}
    for _ in range(3):
        for value in list(variants):
            variants.add(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), value))
            variants.add(html.unescape(value))
            variants.add(unquote(value))
    return any(key in v for v in variants)


def echo_body(key: str, how: str) -> tuple[bytes, str]:
    """An error body that repeats ``key`` encoded ``how``; (body, content type)."""
    if how == "json":
        return f'{{"message": "invalid request for token {escape_json(key)}"}}'.encode(), "application/json"
    if how == "html":
        token = escape_html(key)
        page = f"<html><head><title>Bad token {token}</title></head><body>Api-Token: {token}</body></html>"
        return page.encode(), "text/html"
    if how == "url":
        link = f"https://help.example.invalid/?token={escape_url(key)}"
        data = {"message": f"see {link}", "errors": [{"title": f"see {link}", "code": "bad"}]}
        return json.dumps(data).encode(), "application/json"
    raise ValueError(f"unknown echo {how!r}")


class Hostile:
    """The server and its knobs (see the module docstring). A context manager: started on entry."""

    def __init__(self, key: str = "sandbox") -> None:
        self.key = key
        self.duplicates = "accept"
        self.meta: str | int = "exact"
        self.page_cap = 100
        self.requests: list[Seen] = []
        self._rows: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
        self._rules: list[_Rule] = []
        self._next_id = 0
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- knobs ----------------------------------------------------------------------------------------

    def after_commit(self, method: str, path: str, *outcomes: int | str | BadId) -> None:
        with self._lock:
            self._rules.append(_Rule(method.upper(), path, list(outcomes), "commit"))

    def echo(self, method: str, path: str, how: str, status: int = 400, times: int = 1) -> None:
        with self._lock:
            self._rules.append(_Rule(method.upper(), path, [how] * times, "echo", {"status": status}))

    # -- what happened --------------------------------------------------------------------------------

    def records(self, kind: str = "ecomOrders") -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._rows[kind]]

    def insert(self, kind: str, record: dict[str, Any]) -> dict[str, Any]:
        """Store a record as if someone else had created it; returns it with its new id."""
        with self._lock:
            self._next_id += 1
            row = {**record, "id": str(self._next_id)}
            self._rows[kind].append(row)
            return dict(row)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        with self._lock:
            seen = list(self.requests)
        return sum(1 for s in seen if method in (None, s.method) and path in (None, s.path))

    # -- serving --------------------------------------------------------------------------------------

    def __enter__(self) -> Hostile:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.hostile = self  # type: ignore[attr-defined]
        self._server.handle_error = lambda *args: None  # type: ignore[method-assign]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, method: str, path: str, query: dict[str, str], body: Any, token: str | None) -> Answer:
        """The whole behaviour: auth, the rules a test queued, then the routes."""
        with self._lock:
            self.requests.append(Seen(method, path, query, body))
            if token != self.key:
                return _json(403, {"message": "You are not authorized to access this resource"})
            rule = self._take(method, path)
            if rule is not None and rule[0].kind == "echo":
                data, ctype = echo_body(self.key, rule[1])
                return Answer(rule[0].extra["status"], data, ctype)
            answer = self._route(method, path, query, body)
            return _after(answer, rule[1]) if rule is not None and answer.status < 300 else answer

    def _take(self, method: str, path: str) -> tuple[_Rule, Any] | None:
        for rule in self._rules:
            if rule.method == method and rule.path == path and rule.actions:
                return rule, rule.actions.pop(0)
        return None

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
        parts = path.strip("/").split("/")
        if parts == ["users", "me"] and method == "GET":
            return _json(200, {"user": {"id": "1", "username": "hostile"}})
        if parts[0] not in KINDS or len(parts) > 2:
            return _json(404, {"message": "No Result found for route"})
        kind = parts[0]
        if len(parts) == 1:
            if method == "GET":
                return self._list(kind, query)
            if method == "POST":
                return self._create(kind, body)
        elif method in ("GET", "PUT", "DELETE"):
            return self._one(kind, parts[1], method, body)
        return _json(405, {"message": "Method not allowed"})

    def _list(self, kind: str, query: dict[str, str]) -> Answer:
        filters = {k[8:-1]: v for k, v in query.items() if k.startswith("filters[") and k.endswith("]")}
        rows = [r for r in self._rows[kind] if all(_same(r.get(k), v, k) for k, v in filters.items())]
        if query.get("orders[id]", "").upper() == "DESC":
            rows.reverse()
        limit = min(int(query.get("limit") or 20), 100, self.page_cap)
        offset = int(query.get("offset") or 0)
        out: dict[str, Any] = {kind: rows[offset : offset + limit]}
        if self.meta != "none":
            extra = self.meta if isinstance(self.meta, int) else 0
            out["meta"] = {"total": str(len(rows) + extra)}
        return _json(200, out)

    def _create(self, kind: str, body: Any) -> Answer:
        envelope = KINDS[kind]
        data = body.get(envelope) if isinstance(body, dict) else None
        if not isinstance(data, dict):
            return _json(400, {})
        if self.duplicates == "reject" and self._existing(kind, data):
            return _json(422, {"errors": [{"title": "Duplicate record", "code": "duplicate"}]})
        record = {k: (str(v) if k.endswith("id") and v is not None else v) for k, v in data.items()}
        if kind == "ecomOrders":
            record["state"] = "1" if record.get("externalid") else "2"
        return _json(201, {envelope: self.insert(kind, record)})

    def _existing(self, kind: str, data: dict[str, Any]) -> bool:
        for name in OWN_IDS[kind]:
            if data.get(name) not in (None, ""):
                same = (
                    r for r in self._rows[kind] if str(r.get("connectionid")) == str(data.get("connectionid"))
                )
                return any(str(r.get(name)) == str(data[name]) for r in same)
        return False

    def _one(self, kind: str, record_id: str, method: str, body: Any) -> Answer:
        envelope = KINDS[kind]
        rows = self._rows[kind]
        index = next((i for i, r in enumerate(rows) if r["id"] == record_id), None)
        if index is None:
            return _json(404, {"message": f"No Result found for {envelope} with id {record_id}"})
        if method == "DELETE":
            rows.pop(index)
            return _json(200, {})
        if method == "PUT":
            data = body.get(envelope) if isinstance(body, dict) else None
            if not isinstance(data, dict):
                return _json(400, {})
            updated = {**rows[index], **{k: v for k, v in data.items() if k != "id"}}
            if rows[index].get("state") == "2" and updated.get("externalid"):
                updated["state"] = "3"
            rows[index] = updated
        return _json(200, {envelope: dict(rows[index])})


def _same(value: Any, wanted: str, name: str) -> bool:
    if name == "email":
        return str(value or "").casefold() == wanted.casefold()
    return str(value) == wanted


def _json(status: int, payload: Any) -> Answer:
    return Answer(status, json.dumps(payload).encode())


def _after(answer: Answer, outcome: Any) -> Answer:
    """What a committed write answers instead of its success."""
    if outcome == RESET:
        return Answer(0, b"", reset=True)
    if isinstance(outcome, BadId):
        data = json.loads(answer.body)
        for value in data.values():
            if isinstance(value, dict) and "id" in value:
                value["id"] = outcome.value
        return _json(201, data)
    page = f"<html><head><title>{outcome} Error</title></head><body><h1>{outcome}</h1></body></html>"
    return Answer(int(outcome), page.encode(), "text/html")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = None
        path = url.path.removeprefix("/api/3") or "/"
        hostile: Hostile = self.server.hostile  # type: ignore[attr-defined]
        answer = hostile.answer(
            self.command, path.rstrip("/") or "/", query, body, self.headers.get("Api-Token")
        )
        if answer.reset:
            self._reset()
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    do_POST = do_PUT = do_DELETE = do_GET

    def _reset(self) -> None:
        """Close with an RST (linger 0), as a proxy dying after the commit would."""
        self.close_connection = True
        with suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()


def orders_by_checkout(server: Hostile) -> dict[str, int]:
    """How many ecomOrder records the server holds per externalcheckoutid."""
    counts: dict[str, int] = {}
    for record in server.records():
        checkout = str(record.get("externalcheckoutid"))
        counts[checkout] = counts.get(checkout, 0) + 1
    return counts
