"""Pre-flight of a VMware/physical failback (seed 002, V1-V3): the ``preflight_vmware`` activity's body.

``{vault, request, now?, viaPlan?, disksInRun?}`` → ``{passed, checks, checklist, facts, item,
inputs, recommendation, adopted?}``: every V3 rule the API shows (``domain.vmware_classic_rules``,
``domain.vmware_modernized_rules``), the rest as a checklist the approver attests; ``inputs`` are the
re-protect/failover inputs chosen (V1) with the failback policy found (V2). An item already failed
back to on-premises is adopted where it stands (``domain.vmware_adoption``). Reads only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from activities.asr_common import Vault, log_event, newest_time, now_of
from activities.items import find_rpi, recovery_plan_of
from activities.vmware_reads import group_members, kind_of_provider, read_fabric, read_policies, read_vcenters
from clients.settings import Settings
from domain import vmware, vmware_checks, vmware_classic_rules, vmware_modernized_rules
from domain.asr_scenario import driving_run
from domain.check_record import record_check
from domain.i18n import N_, message
from domain.items import item_ref
from domain.preflight import failure_summary
from domain.request import FailbackRequest
from domain.vmware_adoption import vmware_adoptable_stage
from domain.window_fit import window_check

#: The ``instanceType`` of the failback policy per kind (V2).
POLICY_PROVIDER = {"vmware-classic": "InMage", "vmware-modernized": "InMageRcmFailback"}
#: Checks an adopted item still needs: the kind sent, the configuration server commit and re-protect use.
ADOPTED_KEEPS = ("kind", "V3-cs")
#: A VMware failback re-protects to on-premises first (sync phase 1): the downtime is the final delta.
DATA_SYNC = "before-failover"


def check(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """Pre-flight of a VMware item (the ``preflight_vmware`` activity body)."""
    request = FailbackRequest.from_dict(payload["request"])
    vault = Vault(payload.get("vault") or request.vault.to_dict(), settings)
    rpi = find_rpi(vault, payload.get("item") or request.item.to_dict())
    facts = vmware.vmware_facts(rpi, recovery_plan=recovery_plan_of(vault, rpi))
    kind = kind_of_provider(facts.get("provider")) or request.kind
    custom, providers = read_fabric(vault, str(facts["fabric"]))
    now = now_of(payload, settings, newest_time(p.get("lastHeartBeat") for p in providers))
    policy = vmware.failback_policy(
        read_policies(vault), POLICY_PROVIDER.get(kind, "InMage"), facts.get("policyId")
    )
    group = group_members(vault, facts)
    chosen = dict(request.extra.get("vmware") or {})
    via_plan = bool(payload.get("viaPlan"))
    wait: dict[str, Any] | None = None  # seed 002: a retention drive still appearing is waited for
    if kind == "vmware-modernized":
        inputs = vmware.choose_modernized_inputs(facts, custom, chosen)
        checks = vmware_modernized_rules.modernized_rules(
            facts, custom, inputs, policy=policy, group=group, now=now, via_plan=via_plan
        )
        checklist = vmware.MODERNIZED_CHECKLIST
    else:
        disks_in_run = int(payload.get("disksInRun") or 0)
        inputs = vmware.choose_classic_inputs(facts, custom, chosen, disks_in_run)
        # V3 across runs: disks other live runs are re-protecting to the same master target (issue 12)
        others = dict(request.extra.get("liveMasterTargetDisks") or {})
        if int(others.get(str(inputs.get("masterTargetId")), 0) or 0):
            busy = disks_in_run + int(others[str(inputs.get("masterTargetId"))])
            inputs = vmware.choose_classic_inputs(facts, custom, chosen, busy)  # another MT with room, if any
        disks_in_run += int(others.get(str(inputs.get("masterTargetId")), 0) or 0)
        checks = vmware_classic_rules.classic_rules(
            facts,
            custom,
            providers,
            inputs,
            policy=policy,
            group=group,
            disks_in_run=disks_in_run,
            now=now,
            via_plan=via_plan,
        )
        checks += vmware_checks.vcenter_rules(
            read_vcenters(vault, str(facts["fabric"])), custom, chosen, inputs, location=request.location
        )
        mt: dict[str, Any] = next(
            (m for m in custom.get("masterTargetServers") or [] if m.get("id") == inputs["masterTargetId"]),
            {},
        )
        refresh = {"fabric": str(facts["fabric"]), "provider": str((providers or [{}])[0].get("name") or "")}
        wait = vmware_checks.retention_wait(checks, inputs, mt.get("retentionVolumes") or [], refresh)
        checklist = vmware.CHECKLIST
    if kind != request.kind and request.kind in vmware_kinds():
        checks.insert(
            0,
            {
                "id": "kind",
                "rule": "The request's kind matches the item's replication provider",
                "passed": False,
                "evidence": f"item provider {facts.get('provider')} is {kind}, request says {request.kind}",
                "remedy": f"Send kind '{kind}'.",
            },
        )
    inputs.update(
        {
            "policyId": (policy or {}).get("id"),
            "policyName": (policy or {}).get("name"),
            "forwardPolicyId": chosen.get("forwardPolicy") or facts.get("policyId"),
            "forwardProcessServerId": chosen.get("forwardProcessServer")
            or str(inputs.get("processServerId") or ""),
            "recoveryPointType": chosen.get("recoveryPointType"),
        }
    )
    scenario: Mapping[str, Any] = facts.get("currentScenario") or {}
    ours = bool(scenario) and driving_run(scenario, request) is not None  # a live run of ours drives it
    stage = None if ours else vmware_adoptable_stage(facts)
    adopted: dict[str, Any] = {}
    if stage is not None:  # failed back to on-premises already: finish from there (issue 12, part 3)
        adopt = record_check(
            "ADOPTED",
            message(N_("Where ASR is, the run goes on (nothing is started twice)")),
            True,
            stage["explain"],  # adoption's own words, recorded in English only (as for Hyper-V)
        )
        checks = [dict(adopt), *(c for c in checks if c["id"] in ADOPTED_KEEPS)]
        adopted, wait = {"adopted": stage}, None
    # Issue 13, part 7: a window shorter than these disks' downtime estimate is refused (dry run: warned).
    fit = window_check(
        request.maintenance_window,
        float(facts.get("diskSizeGB") or 0),
        DATA_SYNC,
        now,
        dry_run=request.dry_run,
    )
    if fit is not None and stage is None:  # an adopted run downs nothing new: no window to fit
        checks.append(fit)
    passed = all(c["passed"] for c in checks)
    log_event(
        payload,
        "preflight_vmware",
        item=facts["name"],
        passed=passed,
        failed=failure_summary(cast(list[Mapping[str, Any]], checks)),
    )
    others_pass = all(c["passed"] for c in checks if c["id"] != "V3-retention")
    return {
        **({"waitFor": wait} if wait and others_pass else {}),
        **adopted,
        "passed": passed,
        "checks": checks,
        "checklist": list(checklist),
        "facts": facts,
        "item": item_ref(facts),
        "inputs": inputs,
        "recommendation": {
            "dataSyncOption": DATA_SYNC,
            "asrDataSyncOption": None,
            "source": "variant",
            "reason": "VMware failback re-protects to on-premises first (sync phase 1), then fails over.",
            "recommendation": "before-failover",
        },
    }


def vmware_kinds() -> tuple[str, ...]:
    """The request kinds handled here."""
    return ("vmware-classic", "vmware-modernized")
