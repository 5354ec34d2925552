"""A recovery plan's own pre-flight rules and its one data-sync option (seeds 000/001, H2e, V5). Pure.

``activities.recovery_plans`` reads the plan and runs each member's own rules; these are the rules
about the plan as a whole: nothing runs on it, it fails back to the original location only, every
VM of a replication group is in it, and the option its members share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from domain.asr_scenario import plan_running
from domain.request import FailbackRequest


def prefixed(vm: str, checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A member's checks, each rule led by the VM's name."""
    return [{**c, "rule": f"{vm}: {c['rule']}"} for c in checks]


def plan_state(plan: Mapping[str, Any], request: FailbackRequest) -> list[dict[str, Any]]:
    """The plan is idle and fails back to the original location (H2e)."""
    props = plan.get("properties") or {}
    # R24: the last scenario stays on the plan after its job ends; only one in progress is busy.
    running = plan_running(props)
    return [
        {
            "id": "plan-idle",
            "rule": "No operation runs on the recovery plan",
            "passed": running is None,
            "evidence": f"currentScenario={running}",
            **({"remedy": "Wait for the plan's job to finish."} if running else {}),
        },
        {
            "id": "H2e",
            "rule": "A recovery plan fails back to the original location only",
            "passed": request.location == "original",
            "evidence": f"location={request.location}",
            **(
                {"remedy": "Use kind 'waves' for alternate-location failback."}
                if request.location != "original"
                else {}
            ),
        },
    ]


def group_complete(
    facts: Sequence[Mapping[str, Any]], all_items: Sequence[Mapping[str, Any]], plan: str
) -> dict[str, Any]:
    """V5: every VM of a member's replication group is in the plan."""
    names = {f["name"] for f in facts}
    missing = sorted(
        f"{m['friendlyName']} ({m['replicationGroup']})"
        for m in all_items
        if m.get("replicationGroup")
        in {f.get("replicationGroup") for f in facts if f.get("replicationGroup")}
        and m["name"] not in names
    )
    return {
        "id": "V5-plan",
        "rule": "Every VM of a replication group is in the plan",
        "passed": not missing,
        "evidence": f"plan {plan}; group members outside it: {missing or 'none'}",
        **({"remedy": "Add every VM of the replication group to the plan."} if missing else {}),
    }


def plan_sync(family: str, syncs: list[dict[str, Any]]) -> dict[str, Any]:
    """The data-sync option of the whole plan from its members' (``resolve_data_sync`` outputs)."""
    if family != "hyperv":
        return {
            "dataSyncOption": "before-failover",
            "asrDataSyncOption": None,
            "source": "variant",
            "reason": "VMware plans re-protect each VM to on-premises first (sync phase 1), then fail over.",
            "recommendation": "before-failover",
        }
    # One option for the whole plan: a full download when any VM needs it (H3b), else delta sync.
    chosen = next((s for s in syncs if s["dataSyncOption"] == "during-failover"), syncs[0] if syncs else None)
    if chosen is None:
        return {
            "dataSyncOption": "before-failover",
            "asrDataSyncOption": "ForDownTime",
            "source": "variant",
            "reason": "empty plan",
            "recommendation": "before-failover",
        }
    return {**chosen, "source": "variant", "reason": f"plan-wide: {chosen.get('reason')}"}
