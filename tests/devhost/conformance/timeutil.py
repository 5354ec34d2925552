"""Parse the timestamps the Durable HTTP API returns (up to 7 fractional digits, ``Z``)."""

import re
from datetime import UTC, datetime

_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$")


def parse_time(text: str) -> datetime:
    """A timezone-aware datetime from a .NET/ISO timestamp; naive input is rejected."""
    match = _TIMESTAMP.match(text)
    assert match, f"not an ISO-8601 timestamp: {text!r}"
    base, fraction, zone = match.groups()
    assert zone, f"timestamp without time zone: {text!r}"
    micro = (fraction or "0")[:6].ljust(6, "0")
    parsed = datetime.fromisoformat(f"{base}.{micro}{'+00:00' if zone == 'Z' else zone}")
    return parsed.astimezone(UTC)
