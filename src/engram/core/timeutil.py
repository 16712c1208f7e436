"""Timestamps: one ISO-8601 UTC format everywhere, and parsing of what callers pass."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

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
            f"{field} is out of range once converted to UTC: {value!r}",
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
                f"{field} is out of range: {value}", field=field, value=value, expected=_EXPECTED
            ) from e
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as e:
            raise ValidationError(
                f"{field} is not an ISO 8601 time: {value!r}",
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


_DATE_EXPECTED = "a date, a datetime or a 'YYYY-MM-DD' string"


def parse_date(value: object, field: str = "expiration_date") -> str:
    """A caller's day (mem0's ``expiration_date``) as ``YYYY-MM-DD``; a datetime gives its day
    in UTC (a naive one is taken as UTC)."""
    if isinstance(value, datetime):
        return to_iso(value)[:10]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
        try:
            return parse_timestamp(value, field)[:10]
        except ValidationError:
            pass
    raise ValidationError(
        f"{field} must be {_DATE_EXPECTED}, got {value!r}"
        if isinstance(value, str)
        else f"{field} must be {_DATE_EXPECTED}, got {type(value).__name__}",
        field=field,
        value=value,
        expected=_DATE_EXPECTED,
    )


def today_iso() -> str:
    """Today's date in UTC, ``YYYY-MM-DD`` (the day expiration dates are compared with)."""
    return now_iso()[:10]
