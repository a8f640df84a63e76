"""A deadline for each whole request, a cap on each answer, and cutting requests off when a run stops.

requests' timeouts bound each socket operation, so an answer trickling a byte every few seconds never
times out and holds the run (and the ledger lock) as long as the server likes. Here every request runs in
a ``Slot`` with an absolute deadline; the connection it is sent on attaches itself to the slot
(``_Tracked.request``), and a watchdog thread shuts that connection's socket down when the deadline
passes, or when the run stops (``stop``: Ctrl-C gives a grace, a second one none). The blocked read then
fails at once and the transport says why (``Cut``). The body is read in chunks against a cap, so a 3 GB
answer costs at most 16 MiB. Not covered: a name lookup (DNS) that hangs, and connections through a SOCKS
proxy (their own pool classes): those keep requests' per-operation timeouts.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager, ProxyManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from acorders.api.answers import status_text
from acorders.errors import Cancelled, OutcomeUnknown, RequestFailed

MiB = 1024 * 1024
MAX_BODY = 16 * MiB  # no ActiveCampaign answer comes near it: a listing of 100 orders is ~200 KiB
DEADLINE_S = 60.0  # connect + send + the whole answer
TICK = 0.1  # how often the watchdog looks, and how finely a stopping run's sleeps are cut
DEADLINE, STOPPED, TOO_LARGE = "deadline", "interrupted", "too large"

_current = threading.local()  # .slot: the request this thread is sending


class Cut(Exception):
    """A request ended by us, never retried: its deadline passed, the run stopped, or the answer was too
    large. ``status`` is the answer's, when one came."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def error_for_cut(method: str, path: str, cut: Cut, deadline: float, max_body: int) -> RequestFailed:
    """What a cut request means: for a write that may have been applied, an unknown outcome (looked up
    before any resend); for a read, a failure that a rerun may fix; while stopping, Cancelled."""
    if cut.reason == DEADLINE:
        what = f"no complete answer within {deadline:g} s"
    elif cut.reason == STOPPED:
        what = "cut off before its answer came: the run is stopping"
    else:
        what = f"ActiveCampaign answered {status_text(cut.status or 0)} with more than {max_body // MiB} MiB"
    maybe_applied = cut.reason != TOO_LARGE or 200 <= (cut.status or 0) < 300
    if method != "GET" and maybe_applied:
        return OutcomeUnknown(f"{method} {path}: {what}; it may or may not have been applied", cut.status)
    if cut.reason == STOPPED:
        return Cancelled(f"{method} {path}: {what}", None)
    return RequestFailed(f"{method} {path}: {what}", cut.status)


class Slot:
    __slots__ = ("conn", "cut", "deadline")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.conn: Any = None  # the urllib3 connection, once the request is on one
        self.cut: str | None = None  # DEADLINE or STOPPED, once the watchdog cut it


class Watch:
    """The requests in flight of one transport, and the watchdog that cuts them off."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: set[Slot] = set()
        self._thread: threading.Thread | None = None
        self.refusing = False  # the run is stopping: no new request
        self.cut_at = math.inf  # monotonic time at which every request in flight is cut off

    def stop(self, grace: float) -> None:
        """No new requests; those in flight are cut off after ``grace`` seconds. Plain assignments, no
        lock: this runs in a signal handler, which may have interrupted a holder of ``_lock``."""
        self.refusing = True
        self.cut_at = min(self.cut_at, time.monotonic() + grace)

    def sleep(self, seconds: float) -> None:
        """time.sleep, cut short when the run stops (a Retry-After of a minute must not hold Ctrl-C)."""
        end = time.monotonic() + seconds
        while not self.refusing and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, TICK))

    @contextmanager
    def guard(self, seconds: float) -> Iterator[Slot]:
        """The slot of one request, cut off ``seconds`` from now at the latest."""
        slot = Slot(time.monotonic() + seconds)
        with self._lock:
            self._slots.add(slot)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="acorders-deadline", daemon=True)
                self._thread.start()
        _current.slot = slot
        try:
            yield slot
        finally:
            _current.slot = None
            with self._lock:
                self._slots.discard(slot)

    def _run(self) -> None:
        """Every TICK: cut what is past its deadline or the run's cut-off; end when nothing is in flight."""
        while True:
            time.sleep(TICK)
            now = time.monotonic()
            with self._lock:
                if not self._slots:
                    self._thread = None
                    return
                for slot in self._slots:
                    if slot.cut is None and (now >= slot.deadline or now >= self.cut_at):
                        slot.cut = DEADLINE if now >= slot.deadline else STOPPED
                        shut(slot.conn)


def shut(conn: Any) -> None:
    """Wake whoever is blocked on this connection's socket: its read fails at once. The plain socket's
    shutdown, also under TLS (SSLSocket's own would unwrap the socket under the reading thread's feet)."""
    sock = getattr(conn, "sock", None)
    if sock is not None:
        with suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def read_body(resp: requests.Response, limit: int) -> bytes:
    """The whole body, decoded, or Cut(TOO_LARGE) as soon as it passes ``limit`` bytes."""
    announced = resp.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > limit:
        raise Cut(TOO_LARGE, resp.status_code)
    chunks, size = [], 0
    for chunk in resp.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise Cut(TOO_LARGE, resp.status_code)
        chunks.append(chunk)
    return b"".join(chunks)


class _Tracked:
    """Attaches the connection to the slot of the request being sent on it, for the watchdog."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        slot = getattr(_current, "slot", None)
        if slot is not None:
            slot.conn = self
            if slot.cut is not None:  # cut while waiting for a connection: do not start now
                raise OSError(f"request cut off ({slot.cut})")
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Tracked, HTTPConnection):
    pass


class _HTTPSConnection(_Tracked, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS: dict[str, type[HTTPConnectionPool]] = {"http": _HTTPPool, "https": _HTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, with connections the watchdog can cut (direct, or through an HTTP proxy)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is ProxyManager:  # not SOCKS: its pools are its own
            manager.pool_classes_by_scheme = _POOLS
        return manager
