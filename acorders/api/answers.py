"""Turning what ActiveCampaign (or whatever answers at its URL) sent back into acorders' exceptions.

Kept apart from the HTTP loop in ``client.py`` because bodies are untrusted: HTML from proxies, ``{}``,
plain strings in ``errors``, missing ``source``. Nothing here may crash on any body.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timezone
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

import requests

from acorders.errors import AuthError, ConfigError, NotFound, Rejected, WrongURLError
from acorders.models import blank

NOT_JSON: Any = object()  # sentinel: the body is not JSON (HTML, empty, truncated)

URL_HINT = (
    "Use the API URL shown in ActiveCampaign under Settings > Developer, e.g. https://ACCOUNT.api-us1.com"
)
KEY_HINT = (
    "Check ACTIVECAMPAIGN_API_KEY (or --api-key) and the account URL: both are shown in ActiveCampaign "
    "under Settings > Developer, and the key must belong to that account."
)


def status_text(status: int) -> str:
    """``503 Service Unavailable``: the code with its standard phrase, for messages."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def parse_json(content: bytes) -> Any:
    """The decoded body, or ``NOT_JSON``; never raises, whatever the bytes."""
    if not content.strip():
        return NOT_JSON
    try:
        return json.loads(content)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return NOT_JSON


def summarize_body(content: bytes, limit: int = 200) -> str:
    """A one-line excerpt of a body for messages: an HTML page's title or text, at most ``limit`` chars."""
    text = content[: limit * 20].decode("utf-8", errors="replace")
    if "<" in text and ">" in text:
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        if title and title.group(1).strip():
            text = title.group(1)
        else:
            text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.IGNORECASE | re.DOTALL)
            text = re.sub(r"<[^>]*>", " ", text)
        text = html.unescape(text)
    text = " ".join(text.split())
    if not text:
        return "an empty body"
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Retry-After (RFC 9110: delay-seconds or an HTTP date) as non-negative seconds from ``now`` (wall
    clock), or None when absent, unparseable or a date already past (then we back off: a past date says
    more about the clocks than about the server)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        seconds = _seconds_until(value, now)
    return seconds if 0 <= seconds < float("inf") else None


def _seconds_until(date: str, now: float) -> float:
    """Seconds from ``now`` to an HTTP date; -1 when it is not one."""
    try:
        when = parsedate_to_datetime(date.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return -1.0
    if when.tzinfo is None:  # "-0000": UTC, as HTTP dates always are
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp() - now


def is_record_id(value: Any) -> bool:
    """An ActiveCampaign record id: a positive integer, as a number or decimal digits. Anything else (an
    object, 1.5, true, "") names no record: storing it would give carts ids that PUT nowhere."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value > 0
    digits = isinstance(value, str) and 0 < len(value) <= 20 and value.isascii() and value.isdigit()
    return digits and int(value) > 0


def ids_as_str(record: dict[str, Any]) -> dict[str, Any]:
    """Ids (``id``, ``connectionid``, ``customerid`` ...) as strings, whatever the API sent."""
    for key, value in record.items():
        if key.lower().endswith("id") and isinstance(value, int) and not isinstance(value, bool):
            record[key] = str(value)
    return record


# -- the key, however a server echoes it ------------------------------------------------------------------


def pointer_to_path(pointer: Any, root: str) -> str | None:
    """``/data/attributes/orderProducts/0/price`` -> ``ecomOrder.orderProducts[0].price`` (root = envelope
    key)."""
    if not isinstance(pointer, str):
        return None
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]] if pointer else []
    if parts[:2] == ["data", "attributes"]:
        parts = parts[2:]
    elif parts[:1] == ["data"]:
        parts = parts[1:]
    path = root
    for part in parts:
        path += f"[{part}]" if part.isdigit() else f".{part}"
    return path


def parse_errors(data: Any, root: str) -> tuple[list[tuple[str | None, str]], list[str | None]]:
    """The (path, message) pairs and parallel codes of an error body, whatever its shape."""
    errors: list[tuple[str | None, str]] = []
    codes: list[str | None] = []
    if not isinstance(data, dict):
        return errors, codes
    entries = data.get("errors")
    if isinstance(entries, dict):  # {"email": ["is invalid"]} style
        for field, value in entries.items():
            for item in value if isinstance(value, list) else [value]:
                errors.append((f"{root}.{field}", _text(item)))
                codes.append(None)
    elif isinstance(entries, list):
        for entry in entries:
            path, message, code = _parse_entry(entry, root)
            errors.append((path, message))
            codes.append(code)
    elif entries is not None:
        errors.append((None, _text(entries)))
        codes.append(None)
    for key in ("message", "error"):
        if not errors and isinstance(data.get(key), str) and data[key].strip():
            errors.append((None, data[key].strip()))
            codes.append(None)
    return errors, codes


def _parse_entry(entry: Any, root: str) -> tuple[str | None, str, str | None]:
    if not isinstance(entry, dict):
        return None, _text(entry), None
    title = _text(entry.get("title") or "")
    detail = _text(entry.get("detail") or "")
    code = entry.get("code")
    code = None if blank(code) else str(code)
    message = title or detail or (f"error {code}" if code else _text(entry))
    if title and detail and detail != title:
        message = f"{title} ({detail})"
    source = entry.get("source")
    path = pointer_to_path(source.get("pointer"), root) if isinstance(source, dict) else None
    return path, message, code


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


# a record's path: the record (or its products) may be gone; a collection at a right URL never is
RECORD_PATH = re.compile(
    r"/api/3/(?:ecomOrders|ecomCustomers|connections|ecomOrderProducts)/[^/]+(?:/orderProducts)?"
)


def not_found(data: Any, api_path: str, base_url: str) -> NotFound | WrongURLError:
    """What a 404 means, from the path it answered. On a record's path, any JSON body (``{"message": "No
    Result found for EcomOrder with id 5"}``, or ``{"errors": [{"status": 404, "title": "Not Found"}]}`` as
    other operations of the API answer) means no such record. A body that is not JSON (a web server's page)
    means the URL is wrong, and so does a 404 on a collection, unless it carries the API's message."""
    message = data.get("message") if isinstance(data, dict) else None
    if isinstance(message, str) and message.strip():
        return NotFound(message.strip(), 404)
    if data is not NOT_JSON and RECORD_PATH.fullmatch(api_path):
        errors, _ = parse_errors(data, "")
        said = f": {errors[0][1]}" if errors else ""
        return NotFound(f"ActiveCampaign has no record at {api_path} (HTTP 404{said})", 404)
    return WrongURLError(
        f"{base_url} does not answer like an ActiveCampaign API (HTTP 404 on {api_path})", hint=URL_HINT
    )


def error_for_response(
    status: int, content: bytes, location: str | None, *, path: str, base_url: str, root: str
) -> Exception:
    """The exception for an answer that is final (3xx, 4xx other than 429): no retry can change it.

    ``path`` is relative to /api/3 (with query); ``root`` names the envelope for 422 pointers."""
    api_path = "/api/3" + path.split("?", 1)[0]
    if status in (401, 403):
        return AuthError(f"ActiveCampaign refused the API key (HTTP {status})", hint=KEY_HINT)
    if 300 <= status < 400:
        where = f" to {location}" if location else ""
        return WrongURLError(
            f"{base_url} redirects {api_path}{where} (HTTP {status}) instead of answering like "
            "an ActiveCampaign API",
            hint=URL_HINT,
        )
    data = parse_json(content)
    if status == 404:
        return not_found(data, api_path, base_url)
    errors, codes = parse_errors(data, root) if data is not NOT_JSON else ([], [])
    if errors:
        first_path, first_message = errors[0]
        first = f"{first_path}: {first_message}" if first_path else first_message
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        message = f"ActiveCampaign rejected the request (HTTP {status}): {first}{more}"
    elif data is NOT_JSON:
        message = f"ActiveCampaign answered {status_text(status)}: {summarize_body(content)}"
    else:
        shown = _text(data)
        shown = shown if len(shown) <= 200 else shown[:199] + "…"
        message = f"ActiveCampaign answered {status_text(status)} with an empty error ({shown})"
    if not errors:  # never empty, so callers can always list the reasons
        errors, codes = [(None, message)], [None]
    return Rejected(message, status, errors, codes)


@dataclass(frozen=True)
class NetworkFailure:
    """What a requests exception means for us: a short label and whether the server may have got it."""

    label: str  # "timeout", "connect timeout", "connection refused", "connection dropped", ...
    maybe_sent: bool  # False only when the request certainly never reached the server


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (args, urllib3's .reason, __cause__, __context__)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        todo.extend(x for x in linked if isinstance(x, BaseException))


def _named(exc: BaseException, *names: str) -> bool:
    """isinstance by class name, so urllib3 1.x and 2.x (different classes) both work without importing it."""
    return any(cls.__name__ in names for cls in type(exc).__mro__)


def classify_network_error(exc: requests.RequestException) -> NetworkFailure:
    """Decide from the exception chain whether the request may have reached the server.

    Connection refused, DNS failure and connect timeout: never sent, safe to resend. A read timeout or a
    connection dropped after connecting: the server may have processed it."""
    if isinstance(exc, requests.ConnectTimeout):
        return NetworkFailure("connect timeout", False)
    if isinstance(exc, requests.Timeout):
        return NetworkFailure("timeout", True)
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return NetworkFailure("connection dropped", True)
    chain = list(_causes(exc))
    if isinstance(exc, requests.exceptions.SSLError):
        never_sent = any(isinstance(c, (ssl.SSLCertVerificationError, ssl.CertificateError)) for c in chain)
        return NetworkFailure(
            "certificate verification failed" if never_sent else "TLS error", not never_sent
        )
    if any(
        isinstance(c, (http.client.HTTPException, ConnectionResetError, BrokenPipeError))
        or _named(c, "ProtocolError")
        for c in chain
    ):
        return NetworkFailure("connection dropped", True)
    if any(isinstance(c, socket.gaierror) or _named(c, "NameResolutionError") for c in chain):
        return NetworkFailure("name resolution failed", False)
    if any(
        isinstance(c, ConnectionRefusedError) or (_named(c, "NewConnectionError") and "refused" in str(c))
        for c in chain
    ):
        return NetworkFailure("connection refused", False)
    if any(_named(c, "NewConnectionError") for c in chain):
        return NetworkFailure("could not connect", False)
    return NetworkFailure("connection error", True)  # unknown: assume the worst for writes


def describe_failure(label: str, base_url: str, timeout: tuple[float, float]) -> str:
    """A network failure label as a phrase: "timed out after 30 s", "could not connect to X: ..."."""
    if label == "timeout":
        return f"timed out after {timeout[1]:g} s"
    if label == "connect timeout":
        return f"could not connect to {base_url}: timed out after {timeout[0]:g} s"
    if label in ("connection refused", "name resolution failed", "could not connect"):
        return f"could not connect to {base_url}: {label}"
    return f"{label} talking to {base_url}"


def exhausted_message(failures: list[str], time_limit: float | None) -> str:
    """Why retries ran out: 'ActiveCampaign answered 503 Service Unavailable 6 times',
    'timed out after 30 s (6 attempts)'. ``time_limit`` is set when the retry time budget ran out."""
    last, n = failures[-1], len(failures)
    why = f"retry time limit of {time_limit:g} s reached" if time_limit is not None else ""
    if all(f == last for f in failures) and last.startswith("ActiveCampaign answered"):
        return f"{last} {n} time{'s' if n > 1 else ''}" + (f" ({why})" if why else "")
    if all(f == last for f in failures):
        return f"{last} ({n} attempt{'s' if n > 1 else ''}{', ' + why if why else ''})"
    return f"{last} (last of {n} attempts{', ' + why if why else ''})"


def config_error_for(exc: requests.RequestException, base_url: str) -> ConfigError | None:
    """A ConfigError for requests exceptions that no retry can fix (bad URL, certificate), else None."""
    if isinstance(
        exc,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ),
    ):
        return ConfigError(f"{base_url} is not a usable account URL", hint=URL_HINT)
    failure = classify_network_error(exc) if isinstance(exc, requests.exceptions.SSLError) else None
    if failure is not None and not failure.maybe_sent:
        return ConfigError(
            f"the TLS certificate of {base_url} could not be verified",
            hint="Check the account URL (Settings > Developer) and any proxy or custom CA bundle "
            "(REQUESTS_CA_BUNDLE).",
        )
    if not isinstance(
        exc,
        (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ),
    ):
        return ConfigError(f"could not send a request to {base_url}: {type(exc).__name__}", hint=URL_HINT)
    return None


def shown(value: Any, limit: int = 40) -> str:
    """A value from an answer, short, for a message."""
    text = json.dumps(value, default=repr)
    return text if len(text) <= limit else text[: limit - 1] + "…"
