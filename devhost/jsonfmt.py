"""JSON and timestamp formatting the way the .NET host writes them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def compact(value: Any) -> str:
    """Serialize like Newtonsoft's compact formatting (no spaces)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def parse_or_none(text: str | None) -> Any:
    """Parse stored JSON text; ``None`` stays ``None``; invalid JSON is returned as is."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def dotnet_timestamp(when: datetime) -> str:
    """Format like .NET round-trip UTC: 7 fractional digits and a trailing ``Z``."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}0Z"


def whole_seconds(when: datetime) -> str:
    """Format to whole seconds with ``Z`` (status ``createdTime``/``lastUpdatedTime``)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-8601 timestamp (up to 7 fractional digits, ``Z`` or offset) to aware UTC."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    main, _, rest = text.partition(".")
    if rest:
        digits = ""
        i = 0
        while i < len(rest) and rest[i].isdigit():
            digits += rest[i]
            i += 1
        text = f"{main}.{(digits + '000000')[:6]}{rest[i:]}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


_LOOSE_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d %B %Y", "%B %d, %Y")


def parse_query_datetime(text: str | None) -> datetime | None:
    """A date query parameter the way the Durable HTTP API reads it; None when it cannot.

    Like ``HttpApiHandler.TryGetDateTimeQueryParameterValue``: a year written with fewer than four
    digits (Python's ``strftime`` on Linux writes ``datetime.min`` as ``1-01-01…``) is zero-padded,
    then the value is parsed leniently (ISO 8601 and a few invariant-culture forms); a value
    without an offset is taken as UTC.
    """
    if text is None or not text.strip():
        return None
    value = text.strip()
    dash = value.find("-")
    if 0 < dash < 4 and value[:dash].isdigit():
        value = value.rjust(len(value) + 4 - dash, "0")
    try:
        return parse_timestamp(value)
    except ValueError:
        pass
    for fmt in _LOOSE_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def epoch(when: datetime) -> float:
    """Seconds since the epoch for a timezone-aware datetime."""
    return when.timestamp()


def from_epoch(seconds: float) -> datetime:
    """Aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(seconds, UTC)
