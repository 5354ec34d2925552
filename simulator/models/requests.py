"""Checks of ARM request bodies shared by protected items and recovery plans.

Failover, commit and re-protect bodies of every replication provider wrap their input in
``properties``; the service answers the same 400s whichever provider the body is for.
"""

from __future__ import annotations

from typing import Any

from simulator.errors import bad_request

DIRECTIONS = ("PrimaryToRecovery", "RecoveryToPrimary")


def properties(body: dict[str, Any] | None) -> dict[str, Any]:
    """``properties`` of a request body (400 ``InvalidRequestBody`` when missing)."""
    props = (body or {}).get("properties")
    if not isinstance(props, dict):
        raise bad_request("The request body is invalid: 'properties' is required.", code="InvalidRequestBody")
    return props


def failover_direction(props: dict[str, Any]) -> str:
    """``failoverDirection`` of a request's ``properties`` (400 ``InvalidFailoverDirection`` when unknown)."""
    direction = props.get("failoverDirection")
    if direction not in DIRECTIONS:
        raise bad_request(
            f"Invalid failover direction '{direction}'. Valid values: PrimaryToRecovery, RecoveryToPrimary.",
            code="InvalidFailoverDirection",
        )
    return str(direction)
