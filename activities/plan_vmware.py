"""Pre-flight of a VMware recovery plan's members (V1-V3, V5): inputs and rules per VM, one MT per group.

Part of the ``preflight_plan`` activity (``activities.recovery_plans``). Reads only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from activities.asr_common import Vault, arm_errors, newest_time, now_of
from activities.vmware_reads import read_fabric, read_policies
from clients.settings import Settings
from domain import vmware, vmware_classic_rules, vmware_modernized_rules
from domain.items import item_ref
from domain.plan_checks import group_complete, prefixed
from domain.request import FailbackRequest


def vmware_members(
    vault: Vault,
    request: FailbackRequest,
    rpis: list[dict[str, Any]],
    family: str,
    payload: Mapping[str, Any],
    settings: Settings | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(checks, entries)``: every member's rules and the plan's ``items`` entries (with their inputs)."""
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
            rules = vmware_modernized_rules.modernized_rules(
                facts, custom, inputs, policy=policy, group=group, now=now, via_plan=True
            )
        else:
            # V5: one master target for the whole group; V3: count the disks of the plan's other VMs.
            wanted = dict(chosen)
            if facts.get("replicationGroup") in group_mt and not wanted.get("masterTarget"):
                wanted["masterTarget"] = group_mt[str(facts["replicationGroup"])]
            inputs = vmware.choose_classic_inputs(facts, custom, wanted)
            load = mt_load.get(str(inputs.get("masterTargetId")), 0)
            rules = vmware_classic_rules.classic_rules(
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
        checks += prefixed(str(facts["friendlyName"]), rules)
        entries.append(
            {
                "item": item_ref(facts),
                "friendlyName": facts["friendlyName"],
                "osType": facts.get("osType"),
                "diskSizeGB": facts.get("diskSizeGB"),  # the plan's downtime estimate (window check)
                "inputs": inputs,
            }
        )
    checks.append(group_complete(facts_list, everything, str(request.extra.get("recoveryPlan"))))
    return checks, entries
