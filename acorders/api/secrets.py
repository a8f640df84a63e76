"""Secrets: the API key found and masked however a server echoes it (in clear, JSON-escaped, as HTML
entities, URL-encoded, or escaped more than once), before any text is stored or printed."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import unquote

MASK = "***"
# A real key is 72 characters. One short enough to be a word ("sandbox") would mask every value equal to
# it ("service": "***"); a value that short is no secret worth hiding, so it is not masked at all.
MIN_SECRET_LENGTH = 20
_ENCODED = re.compile(r"\\u[0-9a-fA-F]{4}|&#?[0-9A-Za-z]+;?|%[0-9a-fA-F]{2}")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_DECODINGS = 4  # an echo escaped more than once ("%2541") is still found


def redact(text: str, secret: str) -> str:
    """``text`` with ``secret`` masked, in clear and wherever decoding shows it: JSON ``\\u`` escapes, HTML
    character references, percent-encoding, or several of them. Where only decoding shows it, the text
    comes back decoded (and masked): what is left can show the key to no one."""
    if len(secret) < MIN_SECRET_LENGTH:
        return text
    out = text.replace(secret, MASK)
    decoded = out
    for _ in range(_DECODINGS):
        if not _ENCODED.search(decoded):
            break
        step = unquote(html.unescape(_JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), decoded)))
        if step == decoded:
            break
        decoded = step
        if secret in decoded:
            decoded = out = decoded.replace(secret, MASK)
    return out


def redact_json(value: Any, secret: str) -> Any:
    """A decoded JSON value with ``secret`` masked in every string (json.loads has undone the escapes the
    bytes were searched for)."""
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, dict):
        return {redact(k, secret): redact_json(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, secret) for v in value]
    return value
