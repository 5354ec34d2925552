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


def epoch(when: datetime) -> float:
    """Seconds since the epoch for a timezone-aware datetime."""
    return when.timestamp()


def from_epoch(seconds: float) -> datetime:
    """Aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(seconds, UTC)
