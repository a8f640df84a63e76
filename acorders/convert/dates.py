"""Dates: a shop's timestamps to RFC 3339 with an explicit offset.

- A date with an offset ("2024-03-10T01:59:30-05:00", "...Z") goes through unchanged.
- A naive date ("2024-03-10 01:59:30", "03/10/2024 1:59:30") is read in an explicit IANA zone
  (``--source-tz`` or the map's rule), never the machine's; without one it is an error naming the flag.
- DST: a naive time that a clock shows twice (the autumn change) is the first of the two instants, the
  one still on the offset before the change (``fold=0``); a time that no clock showed (the spring gap)
  is an error, since no shop in that zone can have written it.
- Epoch seconds (BigCommerce webhooks) are UTC.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from acorders.errors import ConversionError

_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?P<offset>Z|[+-]\d{2}:?\d{2})?\Z", re.I
)
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})\Z")


DateError = ConversionError  # a date that cannot become an RFC 3339 instant


@cache
def zone(name: str) -> tzinfo:
    """The IANA zone ``name`` ("Europe/Paris", "UTC"); DateError for a name zoneinfo does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DateError(
            f"unknown time zone {name!r}: give an IANA name such as Europe/Paris or UTC"
        ) from None


def to_rfc3339(value: Any, source_tz: str | None, formats: Sequence[str] = (), *, epoch: bool = False) -> str:
    """``value`` as RFC 3339 with an offset. ``source_tz`` reads naive dates; ``formats`` (strptime) are
    tried after ISO 8601; ``epoch`` says the value is seconds since 1970 UTC."""
    if epoch:
        return _from_epoch(value)
    if not isinstance(value, str):
        raise DateError(f"date {value!r} is not text")
    text = value.strip()
    if RFC3339.match(text):
        return text  # already what the API takes: unchanged
    parsed = _parse(text, formats)
    if parsed.tzinfo is not None:
        return _format(parsed)
    if source_tz is None:
        raise DateError(
            f"date {text!r} has no time zone; give --source-tz ZONE (an IANA name such as "
            'America/New_York) saying where the shop\'s clock is, or set naive = "ZONE" under [dates] '
            "in the map"
        )
    return _format(localize(parsed, zone(source_tz)))


def parse_instant(text: str) -> datetime:
    """An RFC 3339 string (as ``to_rfc3339`` writes) as an aware datetime."""
    return datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)


def localize(naive: datetime, tz: tzinfo) -> datetime:
    """A wall-clock time in ``tz``: the earlier instant when the clock showed it twice; DateError when
    the clock never showed it (skipped by a DST change)."""
    aware = naive.replace(tzinfo=tz, fold=0)
    there_and_back = aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
    if there_and_back != naive:
        raise DateError(
            f"{naive.isoformat(sep=' ')} never happened in {tz}: the clocks skipped it at a daylight saving "
            "change; check --source-tz"
        )
    return aware


def _parse(text: str, formats: Sequence[str]) -> datetime:
    if _ISO.match(text):
        iso = text[:-1] + "+00:00" if text[-1:] in "Zz" else text
        if re.search(r"[+-]\d{4}\Z", iso):  # +0500 -> +05:00 (Python 3.10 needs the colon)
            iso = iso[:-2] + ":" + iso[-2:]
        try:
            return datetime.fromisoformat(iso.replace(" ", "T", 1))
        except ValueError:
            raise DateError(f"date {text!r} is not a valid date") from None
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    shown = ", ".join(formats) if formats else "none"
    raise DateError(f"date {text!r} is not ISO 8601 nor in the map's formats ({shown})")


def _from_epoch(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise DateError(f"epoch seconds {value!r} are not a whole number")
    if isinstance(value, str) and not value.strip().isdigit():
        raise DateError(f"epoch seconds {value!r} are not a whole number")
    seconds = int(value)
    try:
        return _format(datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds))
    except OverflowError:
        raise DateError(f"epoch seconds {value!r} are out of range") from None


def _format(moment: datetime) -> str:
    """RFC 3339, seconds precision kept as given, "+00:00" for UTC (as the API's own examples write)."""
    return moment.isoformat(timespec="seconds" if not moment.microsecond else "microseconds")
