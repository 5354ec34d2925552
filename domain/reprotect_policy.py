"""Reverse replication after the failback: when it counts as done, and the request's SLA for it.

R9/R10 (simulator/RECORDED.md): when the re-protect job succeeds the item is only
``InitialReplicationInProgress``; it becomes ``Protected`` once the initial replication ends, and
its RPO (``rpoInSeconds``) then falls. The run calls reverse replication done when the item is
``Protected`` **and** its RPO is within the request's SLA, waiting at most ``maxWaitHours``; past
that bound the failback still succeeded, and the report says that protection is not back yet.

Request field ``reverseReplication``: ``true``/``false``, or
``{"enabled": true, "rpoSlaMinutes": 30, "maxWaitHours": 24}`` (``domain.request.models.ReverseReplication``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_RPO_SLA_MINUTES = 30.0
DEFAULT_MAX_WAIT_HOURS = 24.0
MAX_RPO_SLA_MINUTES = 1440.0
MAX_WAIT_HOURS = 168.0
PROTECTED = "Protected"


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
