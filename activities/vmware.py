"""VMware/physical failback activities (seed 002, V1-V5): ``preflight_vmware``, re-protect, failover.

- ``preflight_vmware``: ``activities.vmware_preflight.check`` (reads only).
- ``vmware_reprotect`` ``{vault, item, kind, direction: to-onprem|to-azure, inputs}`` →
  ``{jobId, adopted}``: ``InMageReprotectInput`` / ``InMageAzureV2ReprotectInput`` (classic),
  ``InMageRcmReprotectInput`` / ``InMageRcmFailbackReprotectInput`` (modernized).
- ``vmware_failover`` ``{vault, item, kind, recoveryPointType}`` → ``{jobId, adopted}``: classic
  ``unplannedFailover`` (``InMage``, Azure VM shut down first), modernized ``plannedFailover``
  (``InMageRcmFailback``).

All idempotent through ``activities.run_once``: an operation of the same kind already running
or finished is adopted instead of started twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import azure.durable_functions as df
from azure.mgmt.recoveryservicessiterecovery import models

from activities.asr_common import Vault, start_item_operation
from activities.items import read_rpi
from activities.run_once import run_once
from activities.vmware_preflight import check
from clients.settings import Settings
from domain import vmware, vmware_state
from domain.contracts import JobStarted

bp = df.Blueprint()


#: The item's replication provider once re-protected towards on-premises.
ONPREM_PROVIDER = {"vmware-classic": "InMage", "vmware-modernized": "InMageRcmFailback"}
AZURE_PROVIDER = {"vmware-classic": "InMageAzureV2", "vmware-modernized": "InMageRcm"}


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
    return run_once(
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
    return run_once(
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
