"""Small shared helpers of the world model: time formatting and ARM ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

#: ASR's "time not set" value for task times (no time zone, as the service sends it).
UNSET_TIME = "0001-01-01T00:00:00"
#: Start time of the idle ``currentScenario`` sentinel.
IDLE_SCENARIO_START = "1753-01-01T01:01:01Z"

RPI_TYPE = (
    "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/"
    "replicationProtectedItems"
)


def iso(when: datetime | None) -> str | None:
    """Format a time as ASR does (``2026-01-01T10:00:00.0000000Z``); ``None`` stays ``None``."""
    if when is None:
        return None
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}0Z"


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time (``Z`` or offset; naive means UTC)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def new_guid() -> str:
    """Return a fresh GUID string (job names, operation ids)."""
    return str(uuid.uuid4())


def seconds(start: datetime, end: datetime) -> float:
    """Seconds from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    return (end - start).total_seconds()
