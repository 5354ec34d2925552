"""Recovery-plan failback activities (seeds 000/001, H2e, V5): pre-flight, failover, commit.

- ``preflight_plan`` ``{vault, request, now?}`` → ``{passed, checks, checklist?, facts, item,
  plan, recommendation}``: reads the plan and its items; runs each item's own rules (Hyper-V:
  ``domain.preflight``; VMware: ``domain.vmware`` with ``viaPlan``), V5 (every member of a
  replication group in the plan, one master target per group) and the plan's own state.
  ``plan`` is ``{name, family, providers, items: [{item, friendlyName, osType, inputs?}],
  recoveryPointType}`` — what the variant needs later.
- ``plan_failover``, ``plan_commit``, ``plan_reprotect``: ``activities.plan_operations``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from activities.preflight import read_site
from activities.vmware import kind_of_provider, read_fabric, read_policies
from clients.settings import Settings
from domain import vmware
from domain.errors import FailbackError
from domain.items import item_facts, item_ref
from domain.preflight import failure_summary, plan_running, run_preflight
from domain.request import FailbackRequest
from domain.sync_policy import resolve_data_sync

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


def _prefixed(vm: str, checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**c, "rule": f"{vm}: {c['rule']}"} for c in checks]


def _plan_state(plan: Mapping[str, Any], request: FailbackRequest) -> list[dict[str, Any]]:
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


def _group_complete(
    facts: Sequence[Mapping[str, Any]], all_items: Sequence[Mapping[str, Any]], plan: str
) -> dict[str, Any]:
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


def _vmware_items(
    vault: Vault,
    request: FailbackRequest,
    rpis: list[dict[str, Any]],
    family: str,
    payload: Mapping[str, Any],
    settings: Settings | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    checks: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    policies = read_policies(vault)
    chosen = dict(request.extra.get("vmware") or {})
    with arm_errors("list items"):
        everything = [
            vmware.vmware_facts(m.as_dict())
            for m in vault.client.replication_protected_items.list(*vault.args)
        ]
    fabrics: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    facts_list = [vmware.vmware_facts(rpi, recovery_plan=request.extra.get("recoveryPlan")) for rpi in rpis]
    mt_load: dict[str, int] = {}
    group_mt: dict[str, str] = {}
    for facts in facts_list:
        fabric = str(facts["fabric"])
        if fabric not in fabrics:
            fabrics[fabric] = read_fabric(vault, fabric)
        custom, providers = fabrics[fabric]
        now = now_of(payload, settings, newest_time(p.get("lastHeartBeat") for p in providers))
        provider = "InMageRcmFailback" if family == "vmware-modernized" else "InMage"
        policy = vmware.failback_policy(policies, provider, facts.get("policyId"))
        group = [
            m
            for m in everything
            if facts.get("replicationGroup") and m.get("replicationGroup") == facts["replicationGroup"]
        ] or [facts]
        if family == "vmware-modernized":
            inputs = vmware.choose_modernized_inputs(facts, custom, chosen)
            rules = vmware.modernized_rules(
                facts, custom, inputs, policy=policy, group=group, now=now, via_plan=True
            )
        else:
            # V5: one master target for the whole group; V3: count the disks of the plan's other VMs.
            wanted = dict(chosen)
            if facts.get("replicationGroup") in group_mt and not wanted.get("masterTarget"):
                wanted["masterTarget"] = group_mt[str(facts["replicationGroup"])]
            inputs = vmware.choose_classic_inputs(facts, custom, wanted)
            load = mt_load.get(str(inputs.get("masterTargetId")), 0)
            rules = vmware.classic_rules(
                facts,
                custom,
                providers,
                inputs,
                policy=policy,
                group=group,
                disks_in_run=load,
                now=now,
                via_plan=True,
            )
            mt_load[str(inputs.get("masterTargetId"))] = load + int(facts.get("diskCount") or 0)
            if facts.get("replicationGroup"):
                group_mt.setdefault(str(facts["replicationGroup"]), str(inputs.get("masterTargetId")))
        inputs.update(
            {
                "policyId": (policy or {}).get("id"),
                "forwardPolicyId": chosen.get("forwardPolicy") or facts.get("policyId"),
                "forwardProcessServerId": chosen.get("forwardProcessServer") or inputs.get("processServerId"),
            }
        )
        checks += _prefixed(str(facts["friendlyName"]), rules)
        entries.append(
            {
                "item": item_ref(facts),
                "friendlyName": facts["friendlyName"],
                "osType": facts.get("osType"),
                "inputs": inputs,
            }
        )
    checks.append(_group_complete(facts_list, everything, str(request.extra.get("recoveryPlan"))))
    return checks, entries


def check(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """Pre-flight of a recovery plan (the ``preflight_plan`` activity body)."""
    request = FailbackRequest.from_dict(payload["request"])
    vault = Vault(payload.get("vault") or request.vault.to_dict(), settings)
    name = str(request.extra.get("recoveryPlan") or request.item.label)
    plan = read_plan(vault, name)
    family = family_of(plan)
    rpis = plan_items(vault, plan)
    checks = _plan_state(plan, request)
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
            checks += _prefixed(str(facts["friendlyName"]), result["checks"])
            syncs.append(resolve_data_sync(request.data_sync, facts, "original", now))
            entries.append(
                {
                    "item": item_ref(facts),
                    "friendlyName": facts["friendlyName"],
                    "osType": facts.get("osType"),
                    "missingOnPrem": present is False,
                }
            )
    else:
        more, entries = _vmware_items(vault, request, rpis, family, payload, settings)
        checks += more
        checklist = vmware.MODERNIZED_CHECKLIST if family == "vmware-modernized" else vmware.CHECKLIST
    recommendation = _plan_sync(family, syncs)
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
        "diskSizeGB": 0.0,
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


def _plan_sync(family: str, syncs: list[dict[str, Any]]) -> dict[str, Any]:
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
