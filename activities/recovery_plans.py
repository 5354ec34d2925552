"""Recovery-plan failback activities (seeds 000/001, H2e, V5): pre-flight, failover, commit.

- ``preflight_plan`` ``{vault, request, now?}`` → ``{passed, checks, checklist?, facts, item,
  plan, recommendation}``: reads the plan and its items; runs each item's own rules (Hyper-V:
  ``domain.preflight``; VMware: ``domain.vmware`` with ``viaPlan``), V5 (every member of a
  replication group in the plan, one master target per group: ``activities.plan_vmware``) and the
  plan's own state (``domain.plan_checks``).
  ``plan`` is ``{name, family, providers, items: [{item, friendlyName, osType, inputs?}],
  recoveryPointType}`` — what the variant needs later.
- ``plan_failover``, ``plan_commit``, ``plan_reprotect``: ``activities.plan_operations``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import azure.durable_functions as df

from activities import plan_operations
from activities.asr_common import (
    Vault,
    arm_errors,
    log_event,
    newest_time,
    now_of,
)
from activities.items import on_prem_vm_present
from activities.plan_operations import read_plan
from activities.plan_vmware import vmware_members
from activities.preflight import read_site
from activities.vmware_reads import kind_of_provider
from clients.settings import Settings
from domain import vmware
from domain.errors import FailbackError
from domain.items import item_facts, item_ref
from domain.plan_checks import plan_state, plan_sync, prefixed
from domain.preflight import failure_summary, run_preflight
from domain.request import FailbackRequest
from domain.sync_policy import resolve_data_sync
from domain.window_fit import plan_disk_gb, window_check

bp = df.Blueprint()


def plan_items(vault: Vault, plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The plan's protected items (wire dicts), in boot order."""
    wanted = [
        str(m.get("id") or "").lower()
        for g in (plan.get("properties") or {}).get("groups") or []
        for m in g.get("replicationProtectedItems") or []
    ]
    with arm_errors("list items of the plan"):
        found = {
            str(i.get("id") or "").lower(): i
            for i in (
                m.as_dict()
                for m in vault.client.replication_protected_items.list(
                    *vault.args, filter=f"RecoveryPlanName eq '{plan.get('name')}'"
                )
            )
        }
    return [dict(found[w]) for w in wanted if w in found]


def family_of(plan: Mapping[str, Any]) -> str:
    """``hyperv``, ``vmware-classic`` or ``vmware-modernized`` from ``replicationProviders``."""
    providers = list((plan.get("properties") or {}).get("replicationProviders") or [])
    kinds = {kind_of_provider(p) for p in providers} - {None}
    if len(kinds) == 1:
        return str(kinds.pop())
    if kinds:
        raise FailbackError("REQUEST_INVALID", f"plan {plan.get('name')} mixes providers {providers}")
    return "hyperv"


def check(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """Pre-flight of a recovery plan (the ``preflight_plan`` activity body)."""
    request = FailbackRequest.from_dict(payload["request"])
    vault = Vault(payload.get("vault") or request.vault.to_dict(), settings)
    name = str(request.extra.get("recoveryPlan") or request.item.label)
    plan = read_plan(vault, name)
    family = family_of(plan)
    rpis = plan_items(vault, plan)
    checks = plan_state(plan, request)
    if not rpis:
        checks.append(
            {
                "id": "plan-items",
                "rule": "The plan has items",
                "passed": False,
                "evidence": "no items",
                "remedy": "Add VMs to the plan.",
            }
        )
    entries: list[dict[str, Any]] = []
    syncs: list[dict[str, Any]] = []
    checklist = None
    if family == "hyperv":
        for rpi in rpis:
            # the original location needs each VM on-premises, or createVmIfNotFound (H3b, issue 12)
            present = on_prem_vm_present(vault, rpi)
            facts = item_facts(rpi, on_prem_vm_present=present, recovery_plan=name)
            site = read_site(vault, str(facts["fabric"]))
            now = now_of(payload, settings, newest_time(p.get("lastHeartBeat") for p in site["providers"]))
            result = run_preflight(facts, site, request, now)
            checks += prefixed(str(facts["friendlyName"]), result["checks"])
            syncs.append(resolve_data_sync(request.data_sync, facts, "original", now))
            entries.append(
                {
                    "item": item_ref(facts),
                    "friendlyName": facts["friendlyName"],
                    "osType": facts.get("osType"),
                    "diskSizeGB": facts.get("diskSizeGB"),
                    "missingOnPrem": present is False,
                }
            )
    else:
        more, entries = vmware_members(vault, request, rpis, family, payload, settings)
        checks += more
        checklist = vmware.MODERNIZED_CHECKLIST if family == "vmware-modernized" else vmware.CHECKLIST
    recommendation = plan_sync(family, syncs)
    disk_gb = plan_disk_gb([float(e.get("diskSizeGB") or 0) for e in entries])
    # Issue 13, part 7: the plan's one downtime moves every member's data; a shorter window is refused.
    fit = window_check(
        request.maintenance_window,
        disk_gb,
        str(recommendation["dataSyncOption"]),
        now_of(payload, settings),
        dry_run=request.dry_run,
    )
    if fit is not None:
        checks.append(fit)
    props = plan.get("properties") or {}
    os_types = {str(e.get("osType")) for e in entries}
    facts_out = {
        "id": plan.get("id"),
        "name": name,
        "fabric": "",
        "container": "",
        "friendlyName": props.get("friendlyName"),
        "provider": family,
        "recoveryPlan": name,
        "allowedOperations": list(props.get("allowedOperations") or []),
        "osType": "Linux" if os_types == {"Linux"} else ("Windows" if os_types == {"Windows"} else "Mixed"),
        "diskSizeGB": disk_gb,  # the runbook holds the switchover on the same estimate
        "items": [e["friendlyName"] for e in entries],
    }
    vm_point = (request.extra.get("vmware") or {}).get("recoveryPointType")
    passed = all(c["passed"] for c in checks)
    log_event(
        payload,
        "preflight_plan",
        plan=name,
        passed=passed,
        failed=failure_summary(cast(list[Mapping[str, Any]], checks)),
    )
    out: dict[str, Any] = {
        "passed": passed,
        "checks": checks,
        "facts": facts_out,
        "item": {"fabric": "", "container": "", "name": name},
        "plan": {
            "name": name,
            "family": family,
            "providers": list(props.get("replicationProviders") or []),
            "items": entries,
            "recoveryPointType": vm_point,
            # the plan failover's recoveryVmCreationOption when a VM is gone on-premises (never silently
            # NoAction); with every VM present NoAction is the same
            "createVmIfNotFound": request.create_vm_if_not_found
            and any(e.get("missingOnPrem") for e in entries),
            # R24: the scenario the plan already shows; a later one is this run's own (adoption).
            "baseline": plan_operations.baseline_of(props),
        },
        "recommendation": recommendation,
    }
    if checklist:
        out["checklist"] = list(checklist)
    return out


@bp.activity_trigger(input_name="payload")
def preflight_plan(payload: dict) -> dict:
    """Pre-flight of a recovery plan's failback; reads only."""
    return check(payload)


@bp.activity_trigger(input_name="payload")
def plan_failover(payload: dict) -> dict:
    """The plan's failback failover, started once."""
    return plan_operations.failover(payload)


@bp.activity_trigger(input_name="payload")
def plan_reprotect(payload: dict) -> dict:
    """Reverse replication of one plan item: the plan's re-protect (R28), else the item's own (G12)."""
    return plan_operations.reprotect(payload)


@bp.activity_trigger(input_name="payload")
def plan_commit(payload: dict) -> dict:
    """Commit the plan's failover, started once."""
    return plan_operations.commit(payload)
