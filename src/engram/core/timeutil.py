"""Timestamps: one ISO-8601 UTC format everywhere, parsing of what callers pass, and the
calendar arithmetic (months, weeks, seasons, holidays) that the time grammar resolves with."""

from __future__ import annotations

import calendar
import math
from datetime import UTC, date, datetime, timedelta

from engram.core.limits import shown
from engram.exceptions import ValidationError

_EXPECTED = "a datetime, an ISO 8601 string or a Unix epoch number"


def to_iso(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def now_iso() -> str:
    """The current time in the stored format."""
    return to_iso(datetime.now(UTC))


def parse_timestamp(value: object, field: str = "timestamp") -> str:
    """Normalise a caller-supplied time to the stored format."""
    try:
        return _parse(value, field)
    except ValidationError:
        raise
    except (OverflowError, ValueError) as e:  # in range locally, out of range in UTC
        raise ValidationError(
            f"{field} is out of range once converted to UTC: {shown(value)}",
            field=field,
            value=value,
            expected=_EXPECTED,
        ) from e


def _parse(value: object, field: str) -> str:
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, bool):
        raise ValidationError(
            f"{field} must be {_EXPECTED}, got a bool", field=field, value=value, expected=_EXPECTED
        )
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValidationError(
                f"{field} must be a finite epoch", field=field, value=value, expected=_EXPECTED
            )
        try:
            return to_iso(datetime.fromtimestamp(value, tz=UTC))
        except (OverflowError, OSError, ValueError) as e:
            raise ValidationError(
                f"{field} is out of range: {shown(value)}",
                field=field,
                value=value,
                expected=_EXPECTED,
            ) from e
    if isinstance(value, str):
        if len(value) > 64:  # the longest ISO 8601 time is about 40 characters
            raise ValidationError(
                f"{field} is not an ISO 8601 time: {shown(value)}",
                field=field,
                value=value,
                expected=_EXPECTED,
            )
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as e:
            raise ValidationError(
                f"{field} is not an ISO 8601 time: {shown(value)}",
                field=field,
                value=value,
                expected=_EXPECTED,
            ) from e
        return to_iso(moment)
    raise ValidationError(
        f"{field} must be {_EXPECTED}, got {type(value).__name__}",
        field=field,
        value=value,
        expected=_EXPECTED,
    )


# Calendar arithmetic for the time grammar (engram.core.timegrammar): every moment is UTC.

#: An open end of a time range.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
DAY = timedelta(days=1)
#: The first month of each season (northern hemisphere, meteorological): winter Y begins in
#: December of Y.
SEASON_MONTH = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}


def utc(year: int, month: int = 1, day: int = 1, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC moment; raises ValueError for a date that does not exist."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def day_of(moment: datetime) -> datetime:
    """The midnight that begins ``moment``'s day."""
    return utc(moment.year, moment.month, moment.day)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` shifted by whole months, the day clamped to the target month's length."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def month_span(year: int, month: int) -> tuple[datetime, datetime]:
    """``[first day, first day of the next month)``."""
    start = utc(year, month)
    return start, add_months(start, 1)


def year_span(year: int) -> tuple[datetime, datetime]:
    """``[1 January, next 1 January)``."""
    return utc(year), utc(year + 1)


def week_start(moment: datetime) -> datetime:
    """The Monday that begins ``moment``'s week."""
    day = day_of(moment)
    return day - day.weekday() * DAY


def season_span(year: int, season: str) -> tuple[datetime, datetime]:
    """Three months from the season's first month in ``year``."""
    start = utc(year, SEASON_MONTH[season])
    return start, add_months(start, 3)


def easter(year: int) -> datetime:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return utc(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> datetime:
    """The ``n``-th (1-based; -1 the last) ``weekday`` (Monday 0) of a month."""
    if n < 0:
        last = add_months(utc(year, month), 1) - DAY
        return last - ((last.weekday() - weekday) % 7) * DAY
    first = utc(year, month)
    return first + ((weekday - first.weekday()) % 7 + 7 * (n - 1)) * DAY


_DATE_EXPECTED = "a date, a datetime or a 'YYYY-MM-DD' string"


def parse_date(value: object, field: str = "expiration_date") -> str:
    """A caller's day (mem0's ``expiration_date``) as ``YYYY-MM-DD``; a datetime gives its day
    in UTC (a naive one is taken as UTC)."""
    if isinstance(value, datetime):
        try:
            return to_iso(value)[:10]
        except (OverflowError, ValueError) as e:  # in range locally, out of range in UTC
            raise ValidationError(
                f"{field} is out of range once converted to UTC: {shown(value)}",
                field=field,
                value=value,
                expected=_DATE_EXPECTED,
            ) from e
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) <= 64:
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
        try:
            return parse_timestamp(value, field)[:10]
        except ValidationError:
            pass
    raise ValidationError(
        f"{field} must be {_DATE_EXPECTED}, got {shown(value)}"
        if isinstance(value, str)
        else f"{field} must be {_DATE_EXPECTED}, got {type(value).__name__}",
        field=field,
        value=value,
        expected=_DATE_EXPECTED,
    )


def today_iso() -> str:
    """Today's date in UTC, ``YYYY-MM-DD`` (the day expiration dates are compared with)."""
    return now_iso()[:10]
