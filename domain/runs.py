"""What a run will cost and do before it starts: the downtime estimate, H11's advice, the dry-run plan.

The run's names (instance ids, events, gates, outcomes) are in ``domain.run_names``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import phases
from domain.request import FailbackRequest
from domain.run_names import GATE_SWITCHOVER, GATE_VERIFICATION

#: Assumptions of the downtime estimate (shown with it; tune from real runs).
SHUTDOWN_SECONDS = 120
BOOT_SECONDS = 180
TRANSFER_MB_PER_SECOND = 50.0  # Azure -> on-prem over VPN/ExpressRoute, one VM
CHECKSUM_GB_PER_MINUTE = 3.0  # "a few GB per minute" (seed 000) for sync phase 1
DELTA_FRACTION = 0.02  # share of the disks written between sync phase 1 and shutdown
_SPREAD = 2.0  # low/high = estimate divided/multiplied by this


def estimate_downtime(disk_size_gb: float, data_sync: str) -> dict[str, Any]:
    """Estimate the downtime (Azure VM shut down until the on-prem VM runs) from disk size.

    Args:
        disk_size_gb: total provisioned size of the VM's disks.
        data_sync: ``before-failover`` (final delta only) or ``during-failover`` (full download).

    Returns:
        ``{seconds, lowSeconds, highSeconds, syncPhase1Seconds, assumptions}``.
    """
    size_mb = max(0.0, disk_size_gb) * 1024
    moved_mb = size_mb * (DELTA_FRACTION if data_sync == "before-failover" else 1.0)
    transfer = moved_mb / TRANSFER_MB_PER_SECOND
    seconds = SHUTDOWN_SECONDS + transfer + BOOT_SECONDS
    phase1 = disk_size_gb / CHECKSUM_GB_PER_MINUTE * 60 if data_sync == "before-failover" else 0.0
    moved = f"final delta ~{DELTA_FRACTION:.0%}" if data_sync == "before-failover" else "full download"
    return {
        "seconds": int(seconds),
        "lowSeconds": int(SHUTDOWN_SECONDS + transfer / _SPREAD + BOOT_SECONDS),
        "highSeconds": int(SHUTDOWN_SECONDS + transfer * _SPREAD + BOOT_SECONDS),
        "syncPhase1Seconds": int(phase1),
        "assumptions": f"{disk_size_gb:g} GB of disks; {moved} at {TRANSFER_MB_PER_SECOND:g} MB/s; "
        f"shutdown {SHUTDOWN_SECONDS}s, boot {BOOT_SECONDS}s"
        + (f"; phase 1 checksums at {CHECKSUM_GB_PER_MINUTE:g} GB/min" if phase1 else ""),
    }


#: H11: a sync (measured phase 1, or estimated phase 1 / downtime) at least this long gets the advice.
LONG_SYNC_SECONDS = 3600
#: H11, seed 000 "開始する前に" 5, in the user's words (the seed sentence it comes from is quoted).
SYNC_ADVICE = (
    "The time to synchronize the data and start the on-premises VM depends on many factors (disk size, "
    "data written in Azure, the bandwidth of the VPN/ExpressRoute, the on-premises host's load). To speed "
    "up the download, configure the Microsoft Recovery Services agent on the Hyper-V host to use more "
    "threads. (Seed 000, before you start 5: 「より多くのスレッドを使用してダウンロードを並列処理する」)"
)


def sync_advice(
    *, phase1_seconds: float | None = None, estimate: Mapping[str, Any] | None = None
) -> str | None:
    """H11: the advice on sync time when sync phase 1 ran long or the estimate is long, else ``None``.

    Args:
        phase1_seconds: how long sync phase 1 took (measured), if it ran.
        estimate: :func:`estimate_downtime` output.

    Returns:
        The problem (what was long) followed by :data:`SYNC_ADVICE`, or ``None``.
    """
    why = []
    if phase1_seconds is not None and phase1_seconds >= LONG_SYNC_SECONDS:
        why.append(f"sync phase 1 took {round(phase1_seconds / 60)} min")
    est = estimate or {}
    if float(est.get("syncPhase1Seconds") or 0) >= LONG_SYNC_SECONDS:
        why.append(f"sync phase 1 is estimated at {round(float(est['syncPhase1Seconds']) / 60)} min")
    if float(est.get("seconds") or 0) >= LONG_SYNC_SECONDS:
        why.append(f"the downtime is estimated at {round(float(est['seconds']) / 60)} min")
    if not why:
        return None
    return f"Long synchronization: {'; '.join(why)}. {SYNC_ADVICE}"


def approvals_needed(request: FailbackRequest) -> list[dict[str, Any]]:
    """The human decisions a run will wait for."""
    policy = request.approval
    needed = [
        {
            "gate": GATE_SWITCHOVER,
            "why": "Shutting down the Azure VM starts the downtime",
            "approvers": list(policy.approvers),
            "quorum": policy.quorum,
            "fourEyes": policy.four_eyes,
            "timeoutHours": policy.timeout_hours,
        }
    ]
    if request.verification.human_confirmation:
        needed.append(
            {
                "gate": GATE_VERIFICATION,
                "why": "A person confirms the on-premises VM works before commit",
                "approvers": list(policy.approvers),
                "quorum": 1,
                "fourEyes": False,
                "timeoutHours": policy.timeout_hours,
            }
        )
    return needed


def dry_run_plan(
    request: FailbackRequest, facts: Mapping[str, Any], sync: Mapping[str, Any], preflight: Mapping[str, Any]
) -> dict[str, Any]:
    """The plan a rehearsal (``dryRun``) returns: nothing in ASR changes.

    Args:
        request: the validated request.
        facts: the item's ``ItemFacts``.
        sync: ``domain.sync_policy.resolve_data_sync`` output.
        preflight: the ``preflight`` activity output (``passed``, ``checks``).

    Returns:
        ``{wouldStart, item, dataSync, phases: [{name, description}], expectedDowntime, advice,
        approvalsNeeded, preflight, warnings}`` (``advice``: H11's when the estimate is long;
        ``warnings``: the checks a dry run only warns about, such as a window too short).
    """
    option = str(sync["dataSyncOption"])
    estimate = estimate_downtime(float(facts.get("diskSizeGB") or 0), option)
    order = phases.phase_order(
        option,
        maintenance_window=request.maintenance_window is not None,
        reverse_replication=request.reverse_replication,
    )
    return {
        "wouldStart": bool(preflight.get("passed")),
        "item": {"name": facts.get("name"), "friendlyName": facts.get("friendlyName")},
        "dataSync": dict(sync),
        "location": request.location,
        "phases": [{"name": p, "description": phases.DESCRIPTIONS[p]} for p in order],
        "expectedDowntime": estimate,
        "advice": [text] if (text := sync_advice(estimate=estimate)) else [],
        "approvalsNeeded": approvals_needed(request),
        "preflight": dict(preflight),
        # what a real run would be refused for that a rehearsal only warns about (issue 13, part 7)
        "warnings": [str(c["warning"]) for c in preflight.get("checks") or [] if c.get("warning")],
    }
