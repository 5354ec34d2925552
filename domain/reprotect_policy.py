"""Reverse replication after the failback: when it counts as done, and the request's SLA for it.

R9/R10 (simulator/RECORDED.md): when the re-protect job succeeds the item is only
``InitialReplicationInProgress``; it becomes ``Protected`` once the initial replication ends, and
its RPO (``rpoInSeconds``) then falls. The run calls reverse replication done when the item is
``Protected`` **and** its RPO is within the request's SLA, waiting at most ``maxWaitHours``; past
that bound the failback still succeeded, and the report says that protection is not back yet.

Request field ``reverseReplication``: ``true``/``false``, or
``{"enabled": true, "rpoSlaMinutes": 30, "maxWaitHours": 24}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

DEFAULT_RPO_SLA_MINUTES = 30.0
DEFAULT_MAX_WAIT_HOURS = 24.0
MAX_RPO_SLA_MINUTES = 1440.0
MAX_WAIT_HOURS = 168.0
PROTECTED = "Protected"
_FIELDS = ("enabled", "rpoSlaMinutes", "maxWaitHours")


class Reasons(Protocol):
    """What ``domain.request`` collects reasons with (only the parts used here)."""

    def add(self, reason: str) -> None: ...  # noqa: D102

    def unknown(self, path: str, obj: Mapping[str, Any], allowed: tuple[str, ...]) -> None: ...  # noqa: D102

    def flag(self, body: Mapping[str, Any], key: str, path: str, default: bool) -> bool: ...  # noqa: D102

    def number(  # noqa: D102
        self, body: Mapping[str, Any], key: str, path: str, default: float | None, low: float, high: float
    ) -> float | None: ...


@dataclass(frozen=True)
class ReverseReplication:
    """Whether to re-protect, the RPO that counts as protected again, and how long to wait for it."""

    enabled: bool = True
    rpo_sla_minutes: float = DEFAULT_RPO_SLA_MINUTES
    max_wait_hours: float = DEFAULT_MAX_WAIT_HOURS

    def normalized(self, enabled: bool) -> bool | dict[str, Any]:
        """``reverseReplication`` of the normalized request: the boolean unless the SLA was changed."""
        if (self.rpo_sla_minutes, self.max_wait_hours) == (DEFAULT_RPO_SLA_MINUTES, DEFAULT_MAX_WAIT_HOURS):
            return enabled
        sla = {"rpoSlaMinutes": self.rpo_sla_minutes, "maxWaitHours": self.max_wait_hours}
        return {"enabled": enabled, **sla}

    @classmethod
    def from_normalized(cls, value: object) -> ReverseReplication:
        """Read back ``reverseReplication`` of a normalized request (boolean or object; trusted)."""
        if not isinstance(value, Mapping):
            return cls(bool(True if value is None else value))
        return cls(
            bool(value.get("enabled", True)),
            float(value.get("rpoSlaMinutes", DEFAULT_RPO_SLA_MINUTES)),
            float(value.get("maxWaitHours", DEFAULT_MAX_WAIT_HOURS)),
        )


def parse(r: Reasons, body: Mapping[str, Any]) -> ReverseReplication:
    """``reverseReplication`` of a request body: a boolean, or the object form with the SLA."""
    value = body.get("reverseReplication", True)
    if value is None or isinstance(value, bool):
        return ReverseReplication(True if value is None else value)
    if not isinstance(value, Mapping):
        r.add("reverseReplication: must be true, false or {enabled, rpoSlaMinutes, maxWaitHours}")
        return ReverseReplication()
    path = "reverseReplication."
    r.unknown(path, value, _FIELDS)
    sla = r.number(value, "rpoSlaMinutes", path, DEFAULT_RPO_SLA_MINUTES, 1, MAX_RPO_SLA_MINUTES)
    wait = r.number(value, "maxWaitHours", path, DEFAULT_MAX_WAIT_HOURS, 0.25, MAX_WAIT_HOURS)
    return ReverseReplication(
        r.flag(value, "enabled", path, True),
        float(sla if sla is not None else DEFAULT_RPO_SLA_MINUTES),
        float(wait if wait is not None else DEFAULT_MAX_WAIT_HOURS),
    )


def protected_within(facts: Mapping[str, Any], rpo_sla_seconds: float) -> bool:
    """Whether ``ItemFacts`` show the item replicating again: ``Protected`` with an RPO within the SLA."""
    if facts.get("protectionState") != PROTECTED:
        return False
    rpo = facts.get("rpoSeconds")
    if rpo is None:
        return facts.get("rpoReported") is False  # a provider that reports no RPO: Protected is all
    return float(rpo) <= rpo_sla_seconds


def protection_report(wait: Mapping[str, Any], reprotect_started: str | None) -> dict[str, Any]:
    """The report's ``reverseReplication`` block from the job wait's result.

    Args:
        wait: ``wait_for_asr_job``'s result (``protection`` part).
        reprotect_started: when the re-protect job started (ISO), to time the way back.
    """
    from domain.items import parse_time

    protection = dict(wait.get("protection") or {})
    started = parse_time(reprotect_started)
    protected_at = parse_time(protection.get("protectedAt"))
    within_at = parse_time(protection.get("withinSlaAt"))
    return {
        "protected": protection.get("protectionState") == PROTECTED,
        "withinSla": bool(protection.get("withinSla")),
        "timedOut": bool(protection.get("timedOut")),
        "protectionState": protection.get("protectionState"),
        "rpoSeconds": protection.get("rpoSeconds"),
        "rpoSlaSeconds": protection.get("rpoSlaSeconds"),
        "protectedAt": protection.get("protectedAt"),
        "secondsToProtected": (protected_at - started).total_seconds() if started and protected_at else None,
        "secondsToWithinSla": (within_at - started).total_seconds() if started and within_at else None,
    }
