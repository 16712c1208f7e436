"""Timestamps: every accepted form normalises to one ISO-8601 UTC string; the rest are rejected."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from engram.core.timeutil import now_iso, parse_timestamp, to_iso
from engram.exceptions import ValidationError

STORED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
MOMENT = "2023-05-08T13:56:00.000000+00:00"


@pytest.mark.parametrize(
    "value",
    [
        datetime(2023, 5, 8, 13, 56, tzinfo=UTC),
        datetime(2023, 5, 8, 15, 56, tzinfo=timezone(timedelta(hours=2))),
        datetime(2023, 5, 8, 13, 56),  # naive: taken as UTC
        "2023-05-08T13:56:00Z",
        "2023-05-08T13:56:00z",
        "2023-05-08T13:56:00+00:00",
        "2023-05-08T09:56:00-04:00",
        "2023-05-08T19:26:00+05:30",
        "2023-05-08T13:56:00",
        "2023-05-08 13:56",
        "  2023-05-08T13:56:00Z  ",
        1683554160,
        1683554160.0,
    ],
)
def test_accepted_forms_normalise_to_utc(value: Any) -> None:
    assert parse_timestamp(value) == MOMENT


def test_date_only_string_is_midnight_utc() -> None:
    assert parse_timestamp("2024-01-05") == "2024-01-05T00:00:00.000000+00:00"


def test_fractional_epoch_and_microseconds_are_kept() -> None:
    assert parse_timestamp(1683554160.25) == "2023-05-08T13:56:00.250000+00:00"
    assert parse_timestamp("2023-05-08T13:56:00.123456Z") == "2023-05-08T13:56:00.123456+00:00"


def test_offsets_that_cross_midnight_change_the_date() -> None:
    assert parse_timestamp("2024-01-01T01:00:00+03:00") == "2023-12-31T22:00:00.000000+00:00"


def test_negative_epoch_is_before_1970() -> None:
    assert parse_timestamp(-1) == "1969-12-31T23:59:59.000000+00:00"


def test_to_iso_and_now_iso_use_the_stored_format() -> None:
    assert STORED.match(to_iso(datetime(2020, 2, 29, tzinfo=UTC)))
    assert to_iso(datetime(2020, 2, 29)) == "2020-02-29T00:00:00.000000+00:00"
    before = datetime.now(UTC)
    stamp = now_iso()
    assert STORED.match(stamp)
    assert abs(datetime.fromisoformat(stamp) - before) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        math.nan,
        math.inf,
        -math.inf,
        "yesterday",
        "",
        "Z",
        "2023-13-01",
        "2023-05-08T25:00:00",
        10**20,
        1e20,
        [2023, 5, 8],
        {"year": 2023},
        date(2023, 5, 8),
        None,
        b"2023-05-08",
    ],
)
def test_rejected_values_are_validation_errors_on_timestamp(value: Any) -> None:
    with pytest.raises(ValidationError) as err:
        parse_timestamp(value)
    assert err.value.field == "timestamp"
    assert err.value.expected is not None and "ISO 8601" in err.value.expected


def test_the_field_name_can_be_chosen() -> None:
    with pytest.raises(ValidationError) as err:
        parse_timestamp("garbage", field="valid_at")
    assert err.value.field == "valid_at"
    assert "valid_at" in err.value.message


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:00:00-05:00",
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
    ],
)
def test_times_whose_utc_form_is_out_of_range_are_validation_errors(value: Any) -> None:
    with pytest.raises(ValidationError) as err:
        parse_timestamp(value)
    assert err.value.field == "timestamp"
