"""Dates: offsets pass through; naive dates need an explicit zone; DST changes; epoch seconds."""

from __future__ import annotations

import pytest

from acorders.convert import dates
from acorders.errors import ConversionError


@pytest.mark.parametrize(
    "text", ["2012-08-24T14:02:15-04:00", "2019-08-28T20:38:44+00:00", "2024-01-01T00:00:00Z"]
)
def test_rfc3339_with_an_offset_passes_through_unchanged(text: str) -> None:
    assert dates.to_rfc3339(text, None) == text


def test_an_iso_date_with_a_compact_offset_is_normalised() -> None:
    assert (
        dates.to_rfc3339("2024-03-09 10:15:00 -0500".replace(" -", "-"), None) == "2024-03-09T10:15:00-05:00"
    )


def test_a_naive_date_without_a_zone_is_an_error_naming_the_flag() -> None:
    with pytest.raises(ConversionError, match="--source-tz"):
        dates.to_rfc3339("2017-03-22T16:28:02", None)


def test_a_naive_date_is_read_in_the_given_zone_never_the_machines() -> None:
    assert dates.to_rfc3339("2024-01-15 12:00:00", "America/New_York") == "2024-01-15T12:00:00-05:00"
    assert dates.to_rfc3339("2024-07-15 12:00:00", "America/New_York") == "2024-07-15T12:00:00-04:00"
    assert dates.to_rfc3339("2024-07-15 12:00:00", "UTC") == "2024-07-15T12:00:00+00:00"


def test_spring_forward_gap_is_an_error() -> None:
    # 2024-03-10 02:00 -> 03:00 in New York: 02:30 never happened
    with pytest.raises(ConversionError, match="never happened"):
        dates.to_rfc3339("2024-03-10 02:30:00", "America/New_York")
    with pytest.raises(ConversionError, match="never happened"):
        dates.to_rfc3339("2024-03-31 02:30:00", "Europe/Paris")


def test_spring_forward_edges() -> None:
    assert dates.to_rfc3339("2024-03-10 01:59:59", "America/New_York") == "2024-03-10T01:59:59-05:00"
    assert dates.to_rfc3339("2024-03-10 03:00:00", "America/New_York") == "2024-03-10T03:00:00-04:00"


def test_fall_back_ambiguous_time_is_the_earlier_instant() -> None:
    # 2024-11-03 01:30 happens twice in New York: first at -04:00, then at -05:00
    assert dates.to_rfc3339("2024-11-03 01:30:00", "America/New_York") == "2024-11-03T01:30:00-04:00"
    assert dates.to_rfc3339("2024-10-27 02:30:00", "Europe/Paris") == "2024-10-27T02:30:00+02:00"
    assert dates.to_rfc3339("2024-11-03 02:30:00", "America/New_York") == "2024-11-03T02:30:00-05:00"


def test_map_formats_for_csv_dates() -> None:
    formats = ["%m/%d/%Y %H:%M:%S"]
    assert dates.to_rfc3339("03/10/2024 1:59:30", "America/New_York", formats) == "2024-03-10T01:59:30-05:00"
    with pytest.raises(ConversionError, match="not ISO 8601"):
        dates.to_rfc3339("10.03.2024", "UTC", formats)


def test_epoch_seconds_are_utc() -> None:
    assert dates.to_rfc3339(1567024724, None, epoch=True) == "2019-08-28T20:38:44+00:00"
    assert dates.to_rfc3339("1567024724", None, epoch=True) == "2019-08-28T20:38:44+00:00"
    with pytest.raises(ConversionError):
        dates.to_rfc3339(1.5, None, epoch=True)


def test_an_unknown_zone_is_an_error() -> None:
    with pytest.raises(ConversionError, match="IANA"):
        dates.to_rfc3339("2024-01-01 00:00:00", "Mars/Olympus")
