"""Every request has a total deadline (connect, send, the whole answer) and a cap on the answer's size,
whatever the server trickles or floods: against tests/trickle.py on 127.0.0.1."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator

import pytest

from acorders.api.client import Client
from acorders.errors import OutcomeUnknown, RequestFailed
from tests.trickle import MiB, TrickleServer

KEY = "trickle-key"
ORDER = {"ecomOrder": {"externalcheckoutid": "c1", "connectionid": "1"}}


@pytest.fixture
def srv() -> Iterator[TrickleServer]:
    with TrickleServer(interval=0.1, padding=150) as server:  # a trickle of 15 s: far past a 1 s deadline
        yield server


def client(srv: TrickleServer, deadline: float = 1.0) -> Client:
    c = Client(srv.url, KEY, rate=1000, sleep=lambda s: None)
    c.deadline = deadline
    return c


@pytest.mark.parametrize("mode", ["trickle", "trickle-headers"])
def test_a_read_trickling_past_the_deadline_fails_without_a_retry(srv: TrickleServer, mode: str) -> None:
    srv.modes["GET"] = mode
    started = time.monotonic()
    with client(srv) as c, pytest.raises(RequestFailed) as info:
        c.list_orders()
    assert time.monotonic() - started < 4
    assert not isinstance(info.value, OutcomeUnknown)
    assert "no complete answer within 1 s" in info.value.message
    assert srv.count("GET") == 1  # a server that trickles once trickles again: not retried


@pytest.mark.parametrize("mode", ["trickle", "trickle-headers"])
def test_a_write_trickling_past_the_deadline_is_an_unknown_outcome(srv: TrickleServer, mode: str) -> None:
    srv.modes["POST"] = mode
    started = time.monotonic()
    with client(srv) as c, pytest.raises(OutcomeUnknown) as info:
        c.request("POST", "/ecomOrders", body=ORDER)
    assert time.monotonic() - started < 4
    assert "no complete answer within 1 s" in info.value.message
    assert "may or may not have been applied" in info.value.message
    assert srv.count("POST") == 1


def test_the_deadline_is_the_whole_request_not_each_read(srv: TrickleServer) -> None:
    """A byte every 0.1 s never trips a per-read timeout of 0.5 s; only the total deadline ends it."""
    srv.modes["GET"] = "trickle"
    c = Client(srv.url, KEY, rate=1000, timeout=(0.5, 0.5), sleep=lambda s: None)
    c.deadline = 1.5
    started = time.monotonic()
    with c, pytest.raises(RequestFailed):
        c.list_orders()
    assert 1.4 < time.monotonic() - started < 4


def test_an_answer_in_time_is_read_as_usual(srv: TrickleServer) -> None:
    with client(srv, deadline=5.0) as c:
        assert c.list_orders() == ([], 0)
        record = c.request("POST", "/ecomOrders", body=ORDER)
    assert record["ecomOrder"]["externalcheckoutid"] == "c1"


def test_an_answer_over_16_mib_is_a_bad_answer_not_a_memory_hog(srv: TrickleServer) -> None:
    srv.modes["GET"] = "huge"  # 64 MiB of spaces, then valid JSON
    tracemalloc.start()
    try:
        with client(srv, deadline=30.0) as c, pytest.raises(RequestFailed) as info:
            c.list_orders()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "more than 16 MiB" in info.value.message
    assert not isinstance(info.value, OutcomeUnknown)
    assert peak < 24 * MiB, f"held {peak / MiB:.0f} MiB"
    assert srv.count("GET") == 1


def test_a_write_answered_with_over_16_mib_is_an_unknown_outcome(srv: TrickleServer) -> None:
    srv.modes["POST"] = "huge"
    with client(srv, deadline=30.0) as c, pytest.raises(OutcomeUnknown) as info:
        c.request("POST", "/ecomOrders", body=ORDER)
    assert "more than 16 MiB" in info.value.message
    assert srv.count("POST") == 1


def test_the_default_deadline_is_60_s() -> None:
    assert Client("http://127.0.0.1:9", KEY).deadline == 60.0
