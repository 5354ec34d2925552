"""Hyper-V activities that change ASR: ``start_failback``, ``commit_failover``, ``reverse_replicate``.

Each builds its ASR input and goes through ``activities.run_once.run_once``: an operation of its
kind already running or finished is adopted (``{jobId, adopted: true}``) instead of started twice;
the job id is returned at once and the orchestrator waits with durable timers (``get_job``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import azure.durable_functions as df
from azure.mgmt.recoveryservicessiterecovery import models

from activities.asr_common import Vault, arm_errors, start_item_operation
from activities.run_once import run_once
from clients.settings import Settings
from domain.contracts import CommitInput, ItemInput, JobStarted, StartFailbackInput
from domain.errors import FailbackError
from domain.items import (
    COMMIT_PENDING_STATES,
    commit_allowed,
    fabric_facts,
    job_name_from_id,
    parse_time,
)
from domain.site_health import find_host
from domain.sync_policy import ASR_DATA_SYNC

bp = df.Blueprint()


def _is_failback(name: str) -> bool:
    return name == "PlannedFailover"


def _is_commit(name: str) -> bool:
    return "commit" in name.lower()


def _is_reprotect(name: str) -> bool:
    return "reprotect" in name.lower()


# --------------------------------------------------------------------------- start_failback


def asr_option(value: str) -> str:
    """Accept ``before-failover``/``during-failover`` or ASR's ``ForDownTime``/``ForSynchronization``."""
    if value in ASR_DATA_SYNC:
        return ASR_DATA_SYNC[value]
    if value in ASR_DATA_SYNC.values():
        return value
    raise FailbackError("REQUEST_INVALID", f"dataSyncOption {value!r} is not before-/during-failover")


def _alternate_provider_id(vault: Vault, fabric: str, host: str) -> str:
    with arm_errors(f"list hosts of fabric {fabric}"):
        providers = [
            p.as_dict()
            for p in vault.client.replication_recovery_services_providers.list_by_replication_fabrics(
                *vault.args, fabric
            )
        ]
    found = find_host(fabric_facts({"name": fabric}, providers), host)
    if found is None or not found.get("id"):
        raise FailbackError("TARGET_HOST_NOT_FOUND", f"host {host!r} is not registered in fabric {fabric}")
    return str(found["id"])


def failback_input(
    option: str, *, create_vm: bool, provider_id: str | None = None
) -> models.PlannedFailoverInput:
    """``PlannedFailoverInput`` of a Hyper-V failback (RecoveryToPrimary, H1, H3, H9)."""
    details = models.HyperVReplicaAzureFailbackProviderInput(
        data_sync_option=option,
        recovery_vm_creation_option="CreateVmIfNotFound" if create_vm else "NoAction",
        provider_id_for_alternate_recovery=provider_id,
    )
    return models.PlannedFailoverInput(
        properties=models.PlannedFailoverInputProperties(
            failover_direction="RecoveryToPrimary", provider_specific_details=details
        )
    )


def start(payload: StartFailbackInput, settings: Settings | None = None) -> JobStarted:
    """Start (or adopt) the planned failover from Azure to on-premises (the activity body).

    Args:
        payload: ``{vault, item, dataSyncOption, location, targetHost?, createVmIfNotFound,
            encryptionCertificate?}``.
        settings: app settings.

    Returns:
        ``{jobId, adopted, dataSyncOption}`` (``dataSyncOption`` as sent to ASR).
    """
    vault = Vault(payload["vault"], settings)
    option = asr_option(str(payload.get("dataSyncOption")))
    alternate = payload.get("location") == "alternate"
    create_vm = bool(payload.get("createVmIfNotFound", alternate))

    def begin(rpi: Mapping[str, Any], facts: Mapping[str, Any]) -> str | None:
        provider_id = None
        if alternate:
            provider_id = _alternate_provider_id(
                vault, str(facts["fabric"]), str(payload.get("targetHost") or "")
            )
        body = failback_input(option, create_vm=create_vm, provider_id=provider_id)
        ref = payload["item"]
        begin_planned = vault.client.replication_protected_items.begin_planned_failover
        return start_item_operation(vault, ref, "planned failover", begin_planned, body)

    result = run_once(
        vault,
        payload,
        operation="start_failback",
        scenario=_is_failback,
        allowed="Failback",
        # back on-prem already: the failback ran (this call is a retry after it ended)
        already_done=lambda f: f.get("activeLocation") == "Primary",
        begin=begin,
    )
    result["dataSyncOption"] = option
    return result


# --------------------------------------------------------------------------- commit


def commit(payload: CommitInput, settings: Settings | None = None) -> JobStarted:
    """Commit the failback (deletes the Azure VM and its disks, H7), or adopt the commit.

    Args:
        payload: ``{vault, item}``.
        settings: app settings.
    """
    vault = Vault(payload["vault"], settings)
    ref = payload["item"]
    return run_once(
        vault,
        payload,
        operation="commit_failover",
        scenario=_is_commit,
        # R3/R5: after a Hyper-V failback the item offers FinalizeFailback, not Commit
        allowed=commit_allowed,
        already_done=lambda f: (
            f.get("activeLocation") == "Primary" and f.get("protectionState") not in COMMIT_PENDING_STATES
        ),
        begin=lambda rpi, facts: start_item_operation(
            vault, ref, "commit failover", vault.client.replication_protected_items.begin_failover_commit
        ),
        since=lambda f: _after_failback(vault, payload, f),
    )


def _after_failback(vault: Vault, payload: Mapping[str, Any], facts: Mapping[str, Any]) -> datetime | None:
    """When our failback started (its job, ``afterJobId``), else when the item last failed over.

    A commit or re-protect job older than that belongs to an earlier cycle (e.g. the commit of the
    failover to Azure) and is never adopted.
    """
    after = payload.get("afterJobId")
    if after:
        try:
            job = vault.client.replication_jobs.get(*vault.args, job_name_from_id(str(after))).as_dict()
            started = parse_time((job.get("properties") or {}).get("startTime"))
            if started is not None:
                return started
        except Exception:
            pass
    return parse_time(facts.get("lastFailoverTime"))


# --------------------------------------------------------------------------- reverse replication


def reprotect_input(rpi: Mapping[str, Any]) -> models.ReverseReplicationInput:
    """``ReverseReplicationInput`` (PrimaryToRecovery) from the item's Hyper-V details (H8)."""
    props = rpi.get("properties") or {}
    details = props.get("providerSpecificDetails") or {}
    disks = details.get("azureVmDiskDetails") or []
    os_disk: Mapping[str, Any] = next((d for d in disks if d.get("vhdType") == "OperatingSystem"), {})
    os_details = details.get("oSDetails") or {}
    provider = models.HyperVReplicaAzureReprotectInput(
        hv_host_vm_id=details.get("vmId"),
        vm_name=props.get("friendlyName"),
        os_type=os_details.get("osType") or "Windows",
        v_hd_id=os_disk.get("vhdId"),
        storage_account_id=details.get("recoveryAzureStorageAccount"),
        log_storage_account_id=details.get("recoveryAzureLogStorageAccountId"),
    )
    return models.ReverseReplicationInput(
        properties=models.ReverseReplicationInputProperties(
            failover_direction="PrimaryToRecovery", provider_specific_details=provider
        )
    )


def reverse(payload: ItemInput, settings: Settings | None = None) -> JobStarted:
    """Start (or adopt) reverse replication on-prem → Azure after the commit (H8).

    Args:
        payload: ``{vault, item}``.
        settings: app settings.
    """
    vault = Vault(payload["vault"], settings)
    ref = payload["item"]
    return run_once(
        vault,
        payload,
        operation="reverse_replicate",
        scenario=_is_reprotect,
        allowed="ReverseReplicate",
        already_done=lambda f: (
            f.get("activeLocation") == "Primary"
            and f.get("protectionState") not in ("RestoreFinalized", *COMMIT_PENDING_STATES)
        ),
        since=lambda f: _after_failback(vault, payload, f),
        begin=lambda rpi, facts: start_item_operation(
            vault,
            ref,
            "reverse replication",
            vault.client.replication_protected_items.begin_reprotect,
            reprotect_input(rpi),
        ),
    )


@bp.activity_trigger(input_name="payload")
def start_failback(payload: dict) -> dict:
    """Planned failover RecoveryToPrimary, started once (docs/contracts.md §5)."""
    return dict(start(cast(StartFailbackInput, payload)))


@bp.activity_trigger(input_name="payload")
def commit_failover(payload: dict) -> dict:
    """Commit the failover, started once (docs/contracts.md §5)."""
    return dict(commit(cast(CommitInput, payload)))


@bp.activity_trigger(input_name="payload")
def reverse_replicate(payload: dict) -> dict:
    """Reverse replication PrimaryToRecovery, started once (docs/contracts.md §5)."""
    return dict(reverse(cast(ItemInput, payload)))
