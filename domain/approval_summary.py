"""What the switchover approver sees about a Hyper-V failback (contracts §7 ``summary``, W4, V3).

The orchestrator sends these keys to the ``approval_gate``; the approval page
(``function_app/approvals.py``) and the messages (``notifications/compose.py``) show them:
the VM, the phase-1 result, the data still to transfer, the downtime estimate, the data-sync
recommendation and the checklist of what no API can verify. Pure functions, no secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import takewhile
from typing import Any

from domain.i18n import N_
from domain.jobs import is_sync_task
from domain.runs import DELTA_FRACTION, estimate_downtime, sync_advice

_DONE = ("Succeeded", "Skipped", "CompletedWithInformation")

#: What the approver attests for a Hyper-V failback: none of it is visible through an API.
HYPERV_CHECKLIST: list[dict[str, str]] = [
    {
        "id": "apps-drained",
        "text": N_(
            "Applications on the Azure VM are stopped or drained (no user writes during the switchover)."
        ),
    },
    {"id": "users-informed", "text": "Users are informed of the downtime window and agree to it now."},
    {
        "id": "onprem-network-ready",
        "text": N_(
            "The on-premises network and DNS are ready for the VM (VPN/ExpressRoute, virtual switch, "
            "IP address, DNS records)."
        ),
    },
    {
        "id": "azure-backup-taken",
        "text": N_(
            "A backup of the Azure VM was taken if required (commit deletes the Azure VM and its disks)."
        ),
    },
]

#: H9 (seeds 000/001, alternate location steps 1-2): what no API shows about the new host.
HYPERV_ALTERNATE_CHECKLIST: list[dict[str, str]] = [
    {
        "id": "H9-host-os",
        "text": N_(
            "The new Hyper-V host runs a supported version of Windows Server with the Hyper-V role "
            "installed; install them before approving if not (seed 000, alternate location 1: "
            "「サポートされているバージョンの Windows と Hyper-V のロールをコンピューターにインストール」)."
        ),
    },
    {
        "id": "H9-vswitch",
        "text": N_(
            "The new host has a virtual switch with exactly the name used on the original server; "
            "otherwise ASR fails the failover (error 70041): create the switch first (seed 000, alternate "
            "location 2: 「元のサーバーに保存していたものと同じ名前を使用して、"
            "仮想ネットワーク スイッチを作成」)."
        ),
    },
]


def hyperv_checklist(location: str) -> list[dict[str, str]]:
    """What the switchover approver of a Hyper-V failback attests (H9's items for an alternate location)."""
    return HYPERV_CHECKLIST + (HYPERV_ALTERNATE_CHECKLIST if location == "alternate" else [])


def data_to_transfer_gb(disk_size_gb: float, data_sync: str) -> float:
    """Data the switchover still moves: the final delta (before-failover) or every disk (during-failover).

    Args:
        disk_size_gb: total provisioned size of the VM's disks (``ItemFacts.diskSizeGB``).
        data_sync: ``before-failover`` or ``during-failover``.
    """
    share = DELTA_FRACTION if data_sync == "before-failover" else 1.0
    return round(max(0.0, disk_size_gb) * share, 1)


def phase1_result(wait: Mapping[str, Any], job_id: str | None) -> dict[str, Any]:
    """Sync phase 1 as the approver reads it, from ``wait_for_asr_job``'s result.

    Args:
        wait: ``{state, snapshot: JobSnapshot}``.
        job_id: the failback job.

    Returns:
        ``{result, jobId, state, dataSynchronized, finishedAt}``.
    """
    state = wait.get("state")
    tasks = list((wait.get("snapshot") or {}).get("tasks") or [])
    # Phase 1 is what ran before the job stopped: the tasks done up to the first one not done
    # (the manual "complete failover" when suspended). The switchover's own sync comes later.
    ran = list(takewhile(lambda t: t.get("state") in _DONE, tasks))
    synced = [t for t in ran if is_sync_task(t)]
    if synced:
        last = synced[-1]
        synchronized = f"yes ({last.get('friendlyName') or last.get('name')} succeeded)"
        finished = last.get("endTime")
    else:
        waiting = tasks[len(ran)] if len(ran) < len(tasks) else None
        at = f" at {waiting.get('friendlyName') or waiting.get('name')}" if waiting else ""
        synchronized, finished = f"no (the job is {state}{at})", None
    protection = wait.get("protection") or {}
    if protection.get("protectionState") == "Protected":  # a re-protect waited on until Protected (VMware)
        rpo = protection.get("rpoSeconds")
        synchronized = "yes (the item is Protected" + (f", RPO {rpo} s)" if rpo is not None else ")")
        finished = protection.get("protectedAt") or finished
    ready = state == "Suspended" or bool((wait.get("snapshot") or {}).get("waitingForAction"))
    return {
        "result": "ready for the switchover" if ready else str(state),
        "jobId": job_id,
        "state": state,
        "dataSynchronized": synchronized,
        "finishedAt": finished,
    }


def switchover_facts(
    facts: Mapping[str, Any], sync: Mapping[str, Any], phase1_seconds: float | None = None
) -> dict[str, Any]:
    """The VM, data to transfer, downtime estimate and recommendation for the switchover gate.

    Args:
        facts: ``ItemFacts``.
        sync: ``domain.sync_policy.resolve_data_sync`` output.
        phase1_seconds: how long sync phase 1 took, when it ran (H11's advice when long).
    """
    option = str(sync.get("dataSyncOption"))
    disk_gb = float(facts.get("diskSizeGB") or 0)
    estimate = estimate_downtime(disk_gb, option)
    advice = sync_advice(phase1_seconds=phase1_seconds, estimate=estimate)
    return {
        "vm": facts.get("friendlyName") or facts.get("name"),
        "dataToTransferGB": data_to_transfer_gb(disk_gb, option),
        "downtimeEstimateMinutes": round(estimate["seconds"] / 60),
        "expectedDowntime": estimate,
        "recommendation": {"dataSyncOption": option, "reason": sync.get("reason")},
        **({"syncAdvice": advice} if advice else {}),
    }
