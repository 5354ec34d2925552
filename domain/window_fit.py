"""Is the maintenance window long enough for the estimated downtime (issue 13, part 7)?

Checked at pre-flight, when the item's disks and the data-sync option give the estimate
(``domain.runs.estimate_downtime``): Hyper-V items, VMware items (always ``before-failover``: they
re-protect to on-premises first) and recovery plans (every member's disks, :func:`plan_disk_gb`).
A window shorter than the estimate can only end as
``window-missed`` or with an approver asked to overrun it, so a real run is refused up front;
a dry run is told the same as a warning. The window that already ended is refused earlier, by
the HTTP layer (``domain.request.window_problems``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from domain.i18n import N_, message
from domain.request import MaintenanceWindow
from domain.runs import estimate_downtime

WINDOW_FITS = "WINDOW"
RULE = N_("The maintenance window is long enough for the estimated downtime")


def _minutes(seconds: float) -> int:
    """Whole minutes, rounded up: a window one second short is still short."""
    return int(-(-seconds // 60))


def window_fit(
    start: datetime,
    end: datetime,
    estimate: Mapping[str, Any],
    data_sync: str,
    now: datetime,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """The WINDOW check: the usable part of the window against the central downtime estimate.

    The usable part starts at the window's start, or now when the window is already open; the
    runbook holds the switchover for a decision on the same condition (``state.now + estimate >
    end``), so a run that passes here is not expected to miss its window.

    Args:
        start: the window's start (aware).
        end: the window's end (aware).
        estimate: ``domain.runs.estimate_downtime`` output (``seconds``, ``lowSeconds``, ``highSeconds``).
        data_sync: the run's data-sync option (``before-failover`` / ``during-failover``).
        now: the pre-flight's time (aware).
        dry_run: a rehearsal: a short window is a warning (``passed`` stays true, ``warning`` says why).

    Returns:
        ``{id, rule, passed, evidence, remedy?, warning?, messages}``; ``messages`` holds each text's
        catalog id and arguments so pages show it in the reader's language.
    """
    opens = max(start, now)
    usable = max((end - opens).total_seconds(), 0.0)
    needed = float(estimate.get("seconds") or 0)
    args = {
        "window": _minutes(usable),
        "estimate": _minutes(needed),
        "low": _minutes(float(estimate.get("lowSeconds") or needed)),
        "high": _minutes(float(estimate.get("highSeconds") or needed)),
        "latest": (opens + timedelta(seconds=needed)).replace(microsecond=0).isoformat(),
        "sync": data_sync,
    }
    fits = usable >= needed
    if fits:
        evidence = message(
            N_(
                "The maintenance window leaves %(window)s min; the downtime is estimated at "
                "%(estimate)s min (%(low)s–%(high)s min)."
            ),
            **args,
        )
        return _check(True, evidence, None)
    if start > now:
        found = N_(
            "The maintenance window is %(window)s min long, but the downtime is estimated at "
            "%(estimate)s min (%(low)s–%(high)s min, data sync %(sync)s): the switchover cannot finish "
            "inside it."
        )
    else:
        found = N_(
            "The maintenance window is open with %(window)s min left, but the downtime is estimated at "
            "%(estimate)s min (%(low)s–%(high)s min, data sync %(sync)s): the switchover cannot finish "
            "inside it."
        )
    if data_sync == "during-failover":
        todo = N_(
            "Give a window of at least %(estimate)s min (ending at %(latest)s or later), or use dataSync "
            "before-failover, which copies the data before the shutdown and shortens the downtime."
        )
    else:
        todo = N_("Give a window of at least %(estimate)s min (ending at %(latest)s or later).")
    check = _check(dry_run, message(found, **args), message(todo, **args))
    if dry_run:  # a rehearsal warns: the real request with this window is refused at pre-flight
        check["warning"] = f"{check['evidence']} {check['remedy']}"
    return check


def _check(passed: bool, evidence: dict[str, Any], remedy: dict[str, Any] | None) -> dict[str, Any]:
    messages = {"rule": message(RULE), "evidence": evidence}
    check: dict[str, Any] = {
        "id": WINDOW_FITS,
        "rule": RULE,
        "passed": passed,
        "evidence": evidence["text"],
        "messages": messages,
    }
    if remedy is not None:
        check["remedy"] = remedy["text"]
        messages["remedy"] = remedy
    return check


def window_check(
    window: MaintenanceWindow | None,
    disk_size_gb: float,
    data_sync: str,
    now: datetime,
    *,
    dry_run: bool = False,
) -> dict[str, Any] | None:
    """The WINDOW check of a run moving ``disk_size_gb`` with ``data_sync``; None without a window.

    The estimate is the one the runbook holds the switchover on (``estimate_downtime`` of the same
    disks and option), so pre-flight refuses exactly the windows the run would miss.
    """
    if window is None:
        return None
    start, end = window.bounds()
    estimate = estimate_downtime(max(disk_size_gb, 0.0), data_sync)
    return window_fit(start, end, estimate, data_sync, now, dry_run=dry_run)


def plan_disk_gb(member_sizes: list[float]) -> float:
    """The disks a recovery plan moves in its one downtime: every member's.

    A plan fails every VM over in one job, so their final syncs share the link the estimate's
    transfer rate is measured on (``domain.runs.TRANSFER_MB_PER_SECOND``, one link): the sum,
    not the largest member, is what the downtime waits for.
    """
    return round(sum(max(float(s or 0), 0.0) for s in member_sizes), 2)
