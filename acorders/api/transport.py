"""The transport under the client: one API call, attempt by attempt, at the account's rate.

One shared session and rate limiter for all worker threads; retries where they are safe (retry.py decides
when); a write whose outcome is unknown raises OutcomeUnknown instead of being re-sent. Every request has a
total deadline and its answer a size cap (deadline.py); ``stop_sending`` (Ctrl-C) refuses new requests
and cuts those in flight off after a grace.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any, NamedTuple, NoReturn, TypeVar
from urllib.parse import urlencode

import requests

from acorders import __version__
from acorders.api.answers import (
    KEY_HINT,
    NOT_JSON,
    classify_network_error,
    config_error_for,
    describe_failure,
    error_for_response,
    ids_as_str,
    is_record_id,
    parse_json,
    retry_after_seconds,
    shown,
    status_text,
    summarize_body,
)
from acorders.api.deadline import DEADLINE_S, MAX_BODY, Cut, Watch, WatchedAdapter, error_for_cut, read_body
from acorders.api.ratelimit import RateLimiter, too_long
from acorders.api.retry import Attempts, Retry, backoff_delay
from acorders.api.secrets import MASK, redact, redact_json
from acorders.api.stats import ClientStats, RequestLog
from acorders.errors import (
    AcordersError,
    Cancelled,
    ConfigError,
    OutcomeUnknown,
    Rejected,
    RequestFailed,
    RunError,
)

log = logging.getLogger(__name__)

Record = dict[str, Any]  # a record as the API returns it (ids as strings)


_T = TypeVar("_T", bound="Transport")
_MAY_HIDE = re.compile(rb"\\u|&|%")  # what a body needs to hide the key from a search of its bytes


class _Call(NamedTuple):
    """What one API call sends, whatever the attempt."""

    method: str
    path: str  # relative to /api/3, without the query
    rel: str  # the path with its query string, as logged
    data: bytes | None
    headers: dict[str, str] | None
    root: str  # the body's envelope key ("ecomOrder"), for the paths in a 422's errors

    @classmethod
    def of(cls, method: str, path: str, params: dict[str, Any] | None, body: Any) -> _Call:
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None}, safe="[]")
        data = json.dumps(body).encode() if body is not None else None
        root = next(iter(body)) if isinstance(body, dict) and len(body) == 1 else "ecomOrder"
        headers = {"Content-Type": "application/json"} if data is not None else None
        return cls(method.upper(), path, path + ("?" + query if query else ""), data, headers, root)


class Transport:
    """One account's HTTP calls, shared by all worker threads of a run: the session, the rate limiter, the
    retries, and the key kept out of everything it reports."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        rate: float = 5.0,
        workers: int = 8,
        timeout: tuple[float, float] = (5.0, 30.0),
        deadline: float = DEADLINE_S,
        max_attempts: int = 6,
        max_retry_seconds: float = 120.0,
        on_request: Callable[[RequestLog], None] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
        limiter: RateLimiter | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """``base_url`` is normalized by the caller: "https://acct.api-us1.com", no trailing slash or /api/3.
        ``wall_clock`` (epoch seconds) reads Retry-After dates. ``timeout`` bounds each connect and each
        read, ``deadline`` the whole request. ``sleep`` defaults to one that a stopping run cuts short.

        Raises ConfigError for a key that cannot be sent as a header (the low-level errors would quote it)."""
        if not api_key or api_key != api_key.strip() or not (api_key.isascii() and api_key.isprintable()):
            raise ConfigError(
                "the API key is empty or contains spaces, line breaks or non-ASCII characters", hint=KEY_HINT
            )
        self.base_url = base_url
        self._api = base_url + "/api/3"
        self.__key = api_key
        self._timeout = timeout
        self.deadline = deadline
        self.max_body = MAX_BODY
        self._watch = Watch()
        self.max_attempts = max(1, max_attempts)
        self.max_retry_seconds = max_retry_seconds
        self._on_request = on_request
        self._sleep = sleep = sleep if sleep is not None else self._watch.sleep
        self._wall_clock = wall_clock
        self.limiter = limiter if limiter is not None else RateLimiter(rate, sleep=sleep)
        self.stats = ClientStats()
        self._own_session = session is None
        self._session = session if session is not None else requests.Session()
        self._session.headers.update(
            {"Api-Token": api_key, "Accept": "application/json", "User-Agent": f"acorders/{__version__}"}
        )
        # Default pools hold 10 connections; more workers would open and drop connections.
        adapter = WatchedAdapter(pool_connections=4, pool_maxsize=max(workers, 10))
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, rate={self.limiter.rate!r})"

    def close(self) -> None:
        """Close the connections (only if the session is ours)."""
        if self._own_session:
            self._session.close()

    def stop_sending(self, grace: float) -> None:
        """No new requests (Cancelled); those in flight are cut off after ``grace`` seconds. Safe in a signal
        handler."""
        self._watch.stop(grace)

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the low-level call -------------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> Record:
        """Send one API call with retries; returns the JSON object of a 2xx answer.

        Retries 429 and 503 (honouring Retry-After, seconds or an HTTP date, pausing every thread), other
        5xx and network errors with backoff, within max_attempts and max_retry_seconds of sleeping; a
        Retry-After longer than what is left raises WaitTooLong and closes the limiter. A POST
        whose outcome is unknown (read timeout, dropped or reset connection, any 5xx) raises OutcomeUnknown
        instead of being re-sent. Whatever an exception says has the key masked, however it was echoed."""
        call = _Call.of(method, path, params, body)
        attempts = Attempts(self.max_attempts, self.max_retry_seconds)
        while True:
            if attempts.start() > 1:
                self.stats.add(retries=1)
            try:
                outcome = self._attempt(call, attempts)
                if not isinstance(outcome, Retry):
                    return outcome
                delay = attempts.next_delay(outcome)
            except AcordersError as exc:
                self._scrub(exc)
                raise
            if outcome.pause_everyone:
                self.limiter.pause(delay)  # every thread holds back, not just this one
            log.debug(
                "retrying %s %s in %.2f s (attempt %d failed)", call.method, call.rel, delay, attempts.number
            )
            self.stats.add(retry_sleep=delay)
            self._sleep(delay)
            attempts.slept += delay

    def _attempt(self, call: _Call, attempts: Attempts) -> Record | Retry:
        """One HTTP attempt, at this run's rate: the answer's record, a Retry, or an exception that is
        final."""
        self._refuse_when_stopping(call)
        sent_at = self.limiter.acquire()
        self._refuse_when_stopping(call)
        started = time.perf_counter()
        try:
            resp, content = self._fetch(call)
        except Cut as cut:  # the deadline passed, the run stopped, the answer was too large: never retried
            self.stats.add(requests=1)
            duration = time.perf_counter() - started
            self._report(RequestLog(call.method, call.rel, cut.status, duration, attempts.number, cut.reason))
            error = error_for_cut(call.method, call.path, cut, self.deadline, self.max_body)
            if isinstance(error, OutcomeUnknown):
                self.stats.add(unknown_outcomes=1)
            raise error from None
        except requests.RequestException as exc:
            log.debug("%s %s failed: %s", call.method, call.rel, self._redact(f"{type(exc).__name__}: {exc}"))
            self.stats.add(requests=1)
            return self._no_answer(call, attempts, exc, time.perf_counter() - started)
        self.stats.add(requests=1)
        status = resp.status_code
        self._report(
            RequestLog(call.method, call.rel, status, time.perf_counter() - started, attempts.number, None)
        )
        content = content.replace(self.__key.encode(), MASK.encode())  # echoes in clear; the rest: _scrub
        self._pace(resp, sent_at)
        if 200 <= status < 300:
            return self._decode(call.method, call.path, status, content)
        if status == 429:
            self.stats.add(throttled=1)
            attempts.failed(f"ActiveCampaign answered {status_text(429)}", 429)
            return self._wait(self._asked(resp), attempts, 429)
        if status >= 500:
            return self._server_error(call, resp, attempts)
        location = resp.headers.get("Location") or None
        raise error_for_response(
            status, self._safe(content), location, path=call.rel, base_url=self.base_url, root=call.root
        )

    def _fetch(self, call: _Call) -> tuple[requests.Response, bytes]:
        """One exchange within the deadline: the answer and its whole body, at most ``max_body`` bytes."""
        with self._watch.guard(self.deadline) as slot:
            try:
                resp = self._session.request(
                    call.method,
                    self._api + call.rel,
                    data=call.data,
                    headers=call.headers,
                    timeout=self._timeout,
                    allow_redirects=False,  # a redirect would carry the Api-Token header to another host
                    stream=True,  # read below, against the cap
                )
                try:
                    return resp, read_body(resp, self.max_body)
                finally:
                    resp.close()  # a body read to its end keeps the connection; any other closes it
            except Exception as exc:
                if slot.cut is not None:  # whatever the cut socket made the libraries raise
                    raise Cut(slot.cut) from exc
                raise

    def _refuse_when_stopping(self, call: _Call) -> None:
        if self._watch.refusing:
            raise Cancelled(f"{call.method} {call.path}: not sent, the run is stopping", None)

    def _no_answer(
        self, call: _Call, attempts: Attempts, exc: requests.RequestException, duration: float
    ) -> Retry:
        """No answer came: a fault no retry fixes (bad URL, certificate) is final; a write that may have
        reached the server is an unknown outcome; anything else is tried again."""
        failure = classify_network_error(exc)
        self._report(RequestLog(call.method, call.rel, None, duration, attempts.number, failure.label))
        fatal = config_error_for(exc, self.base_url)
        if fatal is not None:
            raise fatal
        self.stats.add(network_errors=1)
        what = describe_failure(failure.label, self.base_url, self._timeout)
        if call.method == "POST" and failure.maybe_sent:
            self._unknown(f"{call.method} {call.path}: no answer ({what})", None)
        attempts.failed(what, None)
        return Retry(backoff_delay(attempts.number))

    def _server_error(self, call: _Call, resp: requests.Response, attempts: Attempts) -> Retry:
        """A 5xx. To a POST it proves nothing was applied (a 503 neither: the server may have committed
        first), so the outcome is unknown and the caller looks the record up. A 503's Retry-After (as
        ActiveCampaign's WooCommerce client reads it: maintenance) holds every thread back, the look-up
        too. Anything else is tried again."""
        status = resp.status_code
        self.stats.add(server_errors=1)
        asked = self._asked(resp) if status == 503 else None
        if call.method == "POST":
            if asked is not None and asked <= attempts.remaining:
                self.limiter.pause(asked)
            elif asked is not None:  # longer than the run may wait: nothing more is sent, the look-up neither
                self.limiter.close(too_long(asked, status, attempts.remaining))
            self._unknown(f"{call.method} {call.path}: ActiveCampaign answered {status_text(status)}", status)
        attempts.failed(f"ActiveCampaign answered {status_text(status)}", status)
        if asked is None:
            return Retry(backoff_delay(attempts.number))
        return self._wait(asked, attempts, status)

    def _pace(self, resp: requests.Response, sent_at: float) -> None:
        """Tell the limiter what the answer says of the account's budget: a 429 lowers the rate (a 503 too:
        under load ActiveCampaign answers 503 instead), any other answer may raise it back, and its
        RateLimit-Limit / RateLimit-Remaining headers are followed."""
        if resp.status_code in (429, 503):
            self.limiter.throttled()
        else:
            self.limiter.answered(sent_at, resp.headers)

    def _asked(self, resp: requests.Response) -> float | None:
        """The answer's Retry-After in seconds (None: absent, unusable or past)."""
        return retry_after_seconds(resp.headers.get("Retry-After"), self._wall_clock())

    def _wait(self, asked: float | None, attempts: Attempts, status: int) -> Retry:
        """A 429 or a 503 with Retry-After: wait as long as asked, every thread, unless that is more than
        the run may spend: then this call fails and the limiter is closed, so nothing more is sent."""
        remaining = attempts.remaining
        if asked is not None and asked > remaining and attempts.number < self.max_attempts:
            exc = too_long(asked, status, remaining)
            self.limiter.close(exc)
            raise exc
        return Retry(asked if asked is not None else backoff_delay(attempts.number), pause_everyone=True)

    def _report(self, entry: RequestLog) -> None:
        log.debug(
            "%s %s -> %s in %.3f s (attempt %d)",
            entry.method,
            entry.path,
            entry.status if entry.status is not None else entry.error,
            entry.duration,
            entry.attempt,
        )
        if self._on_request is not None:
            self._on_request(entry)

    def _redact(self, text: str) -> str:
        return redact(text, self.__key)

    def _safe(self, content: bytes) -> bytes:
        """A body to quote in a message, with the key masked however it was encoded: before anything
        excerpts it (a key cut in half by an excerpt would no longer be found)."""
        if not self.__key or not _MAY_HIDE.search(content):
            return content
        data = parse_json(content)
        if data is NOT_JSON:
            return self._redact(content.decode("utf-8", errors="replace")).encode()
        return json.dumps(redact_json(data, self.__key), ensure_ascii=False).encode()

    def _scrub(self, exc: AcordersError) -> None:
        """Mask the key in everything ``exc`` says: its text came from an answer, decoded (JSON, HTML),
        and is about to be printed, logged and stored in the ledger."""
        exc.message = self._redact(exc.message)
        exc.args = (exc.message, *exc.args[1:])
        if isinstance(exc, Rejected):
            exc.errors = [(p if p is None else self._redact(p), self._redact(m)) for p, m in exc.errors]
        if isinstance(exc, RunError) and exc.hint:
            exc.hint = self._redact(exc.hint)

    def _unknown(self, message: str, status: int | None) -> NoReturn:
        self.stats.add(unknown_outcomes=1)
        raise OutcomeUnknown(message + "; it may or may not have been applied", status)

    def _decode(self, method: str, path: str, status: int, content: bytes) -> Record:
        """The JSON object of a 2xx answer. Empty -> {}. Anything else means something else answered."""
        if not content.strip():
            return {}
        data = parse_json(content)
        if isinstance(data, dict):
            return redact_json(data, self.__key) if _MAY_HIDE.search(content) else data
        message = (
            f"ActiveCampaign answered {status_text(status)} with {summarize_body(self._safe(content))} "
            "instead of JSON"
        )
        if method == "POST":  # a 2xx to a create: it probably worked, but we cannot tell what was created
            self._unknown(f"{method} {path}: {message}", status)
        raise RequestFailed(message, status)

    def _record(self, method: str, path: str, answer: Record, key: str) -> Record:
        """The record under ``key`` with ids as strings; a 2xx without it is not an answer we can use."""
        record = answer.get(key)
        if isinstance(record, dict) and is_record_id(record.get("id")):
            return ids_as_str(record)
        message = f"{method} {path}: ActiveCampaign answered without a {key} record"
        if isinstance(record, dict) and "id" in record:  # true, 1.5, {...}: would PUT to /ecomOrders/True
            message = (
                f"{method} {path}: ActiveCampaign answered a {key} whose id is not an id "
                f"({shown(record['id'])})"
            )
        if method == "POST":
            self._unknown(message, None)
        raise RequestFailed(message, None)
