"""VMware/physical failback activities (seed 002, V1-V5): pre-flight, re-protect, failover.

- ``preflight_vmware`` ``{vault, request, now?, viaPlan?, disksInRun?}`` →
  ``{passed, checks, checklist, facts, item, inputs, recommendation}``: every V3 rule the
  API shows (``domain.vmware``), the rest as a checklist the approver attests; ``inputs``
  are the re-protect/failover inputs chosen (V1) with the failback policy found (V2).
- ``vmware_reprotect`` ``{vault, item, kind, direction: to-onprem|to-azure, inputs}`` →
  ``{jobId, adopted}``: ``InMageReprotectInput`` / ``InMageAzureV2ReprotectInput`` (classic),
  ``InMageRcmReprotectInput`` / ``InMageRcmFailbackReprotectInput`` (modernized).
- ``vmware_failover`` ``{vault, item, kind, recoveryPointType}`` → ``{jobId, adopted}``: classic
  ``unplannedFailover`` (``InMage``, Azure VM shut down first), modernized ``plannedFailover``
  (``InMageRcmFailback``).

All idempotent like ``activities.operations``: an operation of the same kind already running
or finished is adopted instead of started twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import azure.durable_functions as df
from azure.mgmt.recoveryservicessiterecovery import models

from activities.asr_common import Vault, arm_errors, log_event, newest_time, now_of, start_item_operation
from activities.items import find_rpi, read_rpi, recovery_plan_of
from activities.operations import _run_once
from clients.settings import Settings
from domain import vmware, vmware_checks, vmware_state
from domain.contracts import JobStarted
from domain.items import item_ref
from domain.preflight import failure_summary
from domain.request import FailbackRequest

bp = df.Blueprint()

#: The item's replication provider once re-protected towards on-premises.
ONPREM_PROVIDER = {"vmware-classic": "InMage", "vmware-modernized": "InMageRcmFailback"}
AZURE_PROVIDER = {"vmware-classic": "InMageAzureV2", "vmware-modernized": "InMageRcm"}
POLICY_PROVIDER = {"vmware-classic": "InMage", "vmware-modernized": "InMageRcmFailback"}


def kind_of_provider(provider: str | None) -> str | None:
    """``vmware-classic`` / ``vmware-modernized`` for an item's replication provider."""
    if provider in ("InMageAzureV2", "InMage"):
        return "vmware-classic"
    if provider in ("InMageRcm", "InMageRcmFailback"):
        return "vmware-modernized"
    return None


def read_fabric(vault: Vault, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The fabric's ``customDetails`` and its providers (configuration server / appliance)."""
    with arm_errors(f"get fabric {name}"):
        fabric = vault.client.replication_fabrics.get(*vault.args, name).as_dict()
    with arm_errors(f"list providers of fabric {name}"):
        providers = [
            dict((p.as_dict().get("properties") or {}), id=p.id, name=p.name)
            for p in vault.client.replication_recovery_services_providers.list_by_replication_fabrics(
                *vault.args, name
            )
        ]
    return dict((fabric.get("properties") or {}).get("customDetails") or {}), providers


def read_policies(vault: Vault) -> list[dict[str, Any]]:
    """Every replication policy of the vault (wire dicts)."""
    with arm_errors("list policies"):
        return [p.as_dict() for p in vault.client.replication_policies.list(*vault.args)]


def read_vcenters(vault: Vault, name: str) -> list[dict[str, Any]]:
    """The vCenters the configuration server discovered (``replicationvCenters``, wire dicts)."""
    with arm_errors(f"list vCenters of fabric {name}"):
        return [
            v.as_dict()
            for v in vault.client.replicationv_centers.list_by_replication_fabrics(*vault.args, name)
        ]


def group_members(vault: Vault, facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Facts of every item of the item's replication group (itself included)."""
    group = facts.get("replicationGroup")
    if not group:
        return [dict(facts)]
    with arm_errors("list items"):
        rpis = [m.as_dict() for m in vault.client.replication_protected_items.list(*vault.args)]
    out: list[dict[str, Any]] = []
    for rpi in rpis:
        member = dict(vmware.vmware_facts(rpi))
        if member.get("replicationGroup") == group:
            out.append(member)
    return out


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
        checks = vmware.modernized_rules(
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
        checks = vmware.classic_rules(
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
            "forwardProcessServerId": chosen.get("forwardProcessServer") or _s(inputs, "processServerId"),
            "recoveryPointType": chosen.get("recoveryPointType"),
        }
    )
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
        "passed": passed,
        "checks": checks,
        "checklist": list(checklist),
        "facts": facts,
        "item": item_ref(facts),
        "inputs": inputs,
        "recommendation": {
            "dataSyncOption": "before-failover",
            "asrDataSyncOption": None,
            "source": "variant",
            "reason": "VMware failback re-protects to on-premises first (sync phase 1), then fails over.",
            "recommendation": "before-failover",
        },
    }


def vmware_kinds() -> tuple[str, ...]:
    """The request kinds handled here."""
    return ("vmware-classic", "vmware-modernized")


def _s(inputs: Mapping[str, Any], key: str) -> str:
    """A string input ("" when missing: ASR then names the missing field)."""
    return str(inputs.get(key) or "")


def reprotect_body(kind: str, direction: str, inputs: Mapping[str, Any]) -> models.ReverseReplicationInput:
    """The ``ReverseReplicationInput`` of a VMware re-protect (V1; §2.3 of the reference)."""
    details: Any
    if kind == "vmware-modernized" and direction == "to-onprem":
        details = models.InMageRcmReprotectInput(
            reprotect_agent_id=_s(inputs, "reprotectAgentId"),
            datastore_name=_s(inputs, "datastoreName"),
            log_storage_account_id=_s(inputs, "logStorageAccountId"),
            policy_id=_s(inputs, "policyId"),
        )
    elif kind == "vmware-modernized":
        details = models.InMageRcmFailbackReprotectInput(
            process_server_id=inputs.get("forwardProcessServerId") or _s(inputs, "processServerId"),
            policy_id=_s(inputs, "forwardPolicyId"),
            run_as_account_id=inputs.get("runAsAccountId") or None,
        )
    elif direction == "to-onprem":
        details = models.InMageReprotectInput(
            master_target_id=_s(inputs, "masterTargetId"),
            process_server_id=_s(inputs, "processServerId"),
            retention_drive=_s(inputs, "retentionDrive"),
            run_as_account_id=inputs.get("runAsAccountId") or None,
            datastore_name=_s(inputs, "datastoreName"),
            profile_id=_s(inputs, "policyId"),
        )
    else:
        details = models.InMageAzureV2ReprotectInput(
            process_server_id=inputs.get("forwardProcessServerId") or _s(inputs, "processServerId"),
            master_target_id=inputs.get("masterTargetId") or None,
            run_as_account_id=inputs.get("runAsAccountId") or None,
            policy_id=_s(inputs, "forwardPolicyId"),
        )
    return models.ReverseReplicationInput(
        properties=models.ReverseReplicationInputProperties(
            failover_direction="RecoveryToPrimary", provider_specific_details=details
        )
    )


def reprotect(payload: Mapping[str, Any], settings: Settings | None = None) -> JobStarted:
    """Start (or adopt) a VMware re-protect (the ``vmware_reprotect`` activity body)."""
    vault = Vault(payload["vault"], settings)
    ref = payload["item"]
    kind = str(payload.get("kind") or "vmware-classic")
    direction = str(payload.get("direction") or "to-onprem")
    target = ONPREM_PROVIDER[kind] if direction == "to-onprem" else AZURE_PROVIDER[kind]
    body = reprotect_body(kind, direction, payload.get("inputs") or {})
    # R43: a classic item in Azure offers SwitchProtection, not ReverseReplicate; take the name offered.
    offered = vmware.vmware_facts(read_rpi(vault, ref))
    allowed = vmware_state.reprotect_permission(offered) or "SwitchProtection"
    return _run_once(
        vault,
        payload,
        operation=f"vmware_reprotect {direction}",
        # the recorded re-protect / switch-protection job names (R43, RECORDED.md)
        scenario=vmware_state.is_reprotect_scenario,
        allowed=allowed,
        # the re-protect already ran: the item replicates in the wanted direction
        already_done=lambda f: f.get("provider") == target and f.get("protectionState") == "Protected",
        begin=lambda rpi, facts: _start(vault, ref, "reprotect", body),
    )


def _start(vault: Vault, ref: Mapping[str, Any], what: str, body: Any) -> str | None:
    methods: dict[str, Callable[..., Any]] = {
        "reprotect": vault.client.replication_protected_items.begin_reprotect,
        "planned": vault.client.replication_protected_items.begin_planned_failover,
        "unplanned": vault.client.replication_protected_items.begin_unplanned_failover,
    }
    method = methods[what]
    return start_item_operation(vault, ref, what, method, body)


def failover(payload: Mapping[str, Any], settings: Settings | None = None) -> JobStarted:
    """Start (or adopt) the failback itself (the ``vmware_failover`` activity body)."""
    vault = Vault(payload["vault"], settings)
    ref = payload["item"]
    kind = str(payload.get("kind") or "vmware-classic")
    point = payload.get("recoveryPointType")
    if kind == "vmware-modernized":
        body: Any = models.PlannedFailoverInput(
            properties=models.PlannedFailoverInputProperties(
                provider_specific_details=models.InMageRcmFailbackPlannedFailoverProviderInput(
                    recovery_point_type=point or "ApplicationConsistent"
                )
            )
        )
        what, allowed, scenario = "planned", "PlannedFailover", "PlannedFailover"
    else:
        # Azure VM shut down first (sourceSiteOperations Required); PowerShell's item-level direction.
        body = models.UnplannedFailoverInput(
            properties=models.UnplannedFailoverInputProperties(
                failover_direction="PrimaryToRecovery",
                source_site_operations="Required",
                provider_specific_details=models.InMageUnplannedFailoverInput(
                    recovery_point_type=point or "LatestTime"
                ),
            )
        )
        what, allowed, scenario = "unplanned", "UnplannedFailover", "UnplannedFailover"
    return _run_once(
        vault,
        payload,
        operation=f"vmware_failover {kind}",
        scenario=lambda name: name == scenario,
        allowed=allowed,
        # R47: per provider; an InMageRcmFailback item reads Primary while its VM still runs in Azure
        already_done=vmware_state.failed_back,
        begin=lambda rpi, facts: _start(vault, ref, what, body),
    )


@bp.activity_trigger(input_name="payload")
def preflight_vmware(payload: dict) -> dict:
    """V3 pre-flight of a VMware/physical failback; reads only."""
    return check(payload)


@bp.activity_trigger(input_name="payload")
def vmware_reprotect(payload: dict) -> dict:
    """Re-protect a VMware item to on-premises or back to Azure, started once."""
    return dict(reprotect(payload))


@bp.activity_trigger(input_name="payload")
def vmware_failover(payload: dict) -> dict:
    """The VMware failback failover (classic unplanned / modernized planned), started once."""
    return dict(failover(payload))
