"""Activities that change ASR: ``start_failback``, ``commit_failover``, ``reverse_replicate``.

Each is idempotent. It first reads the item: an operation of its kind already running
(``currentScenario``) or already finished (the item moved past it) is adopted —
``{jobId, adopted: true}`` — instead of starting a second one; another operation running
raises ``[SCENARIO_IN_PROGRESS]``. It starts the long-running operation with
``polling=False`` and returns the job id at once: the orchestrator waits with durable
timers (``get_job``), never the activity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, cast

import azure.durable_functions as df
from azure.mgmt.recoveryservicessiterecovery import models

from activities.asr_common import (
    Vault,
    arm_errors,
    is_conflict,
    job_name_of,
    job_targets,
    latest_job,
    log_event,
    start_item_operation,
)
from activities.items import read_rpi
from activities.vault_cache import item_for_write
from clients.settings import Settings
from domain.contracts import CommitInput, ItemInput, JobStarted, StartFailbackInput
from domain.errors import FailbackError
from domain.items import (
    COMMIT_PENDING_STATES,
    commit_allowed,
    fabric_facts,
    item_facts,
    job_name_from_id,
    parse_time,
)
from domain.preflight import find_host
from domain.sync_policy import ASR_DATA_SYNC

bp = df.Blueprint()

Scenario = Callable[[str], bool]


def _is_failback(name: str) -> bool:
    return name == "PlannedFailover"


def _is_commit(name: str) -> bool:
    return "commit" in name.lower()


def _is_reprotect(name: str) -> bool:
    return "reprotect" in name.lower()


def _adopt_running(facts: Mapping[str, Any], scenario: Scenario, operation: str) -> JobStarted | None:
    """Adopt the item's running operation if it is ours; refuse if it is another one."""
    current = facts.get("currentScenario")
    if not current:
        return None
    if scenario(str(current.get("scenarioName"))):
        return {"jobId": str(current["jobId"]), "adopted": True}
    raise FailbackError(
        "SCENARIO_IN_PROGRESS",
        f"{operation}: item {facts['name']} runs {current.get('scenarioName')} (job {current.get('jobId')})",
        details={"jobId": current.get("jobId"), "scenarioName": current.get("scenarioName")},
    )


def _item_job(vault: Vault, facts: Mapping[str, Any], scenario: Scenario, since: datetime | None) -> Any:
    """The newest job of this kind on the item since ``since``, by VM id or VM name (R35/R57)."""
    return latest_job(
        vault,
        str(facts.get("vmId") or ""),
        scenario,
        names=[str(facts.get("friendlyName") or "")],
        since=since,
    )


def _adopt_finished(
    vault: Vault, facts: Mapping[str, Any], scenario: Scenario, operation: str, since: datetime | None = None
) -> JobStarted:
    """Adopt the latest finished job of this kind on the item, or explain why nothing can start.

    ``since``: only a job started after it is ours (a commit after our failback, never the commit
    of the failover to Azure that preceded it).
    """
    job = _item_job(vault, facts, scenario, since)
    if job is None:
        after = f" since {since.isoformat()}" if since is not None else ""
        raise FailbackError(
            "OPERATION_NOT_ALLOWED",
            f"{operation}: item {facts['name']} is {facts.get('protectionState')} "
            f"(allowed: {facts.get('allowedOperations')}) and no {operation} job{after} was found",
        )
    state = str((job.get("properties") or {}).get("state"))
    return {"jobId": job_name_of(job), "adopted": True, "state": state}


def _started_job(
    vault: Vault, ref: Mapping[str, Any], header_id: str | None, scenario: Scenario, posted: datetime | None
) -> str | None:
    """The job a POST started.

    G4: the LRO id need not be the job name, so the item says which job runs
    (``currentScenario``); else the LRO id if it names a job; else the newest job of the kind on
    the item since the POST.
    """
    facts = item_facts(read_rpi(vault, ref))
    current: Mapping[str, Any] = facts.get("currentScenario") or {}
    if current.get("jobId") and scenario(str(current.get("scenarioName"))):
        return str(current["jobId"])
    if header_id:
        try:
            job = vault.client.replication_jobs.get(*vault.args, header_id).as_dict()
        except Exception:
            job = None
        if job and job_targets(job, [str(facts.get("vmId") or "")], [str(facts.get("friendlyName") or "")]):
            return job_name_of(job)
    found = _item_job(vault, facts, scenario, posted)
    return job_name_of(found) if found is not None else header_id


def _run_once(
    vault: Vault,
    payload: Mapping[str, Any],
    *,
    operation: str,
    scenario: Scenario,
    allowed: str | Callable[[Mapping[str, Any]], bool],
    already_done: Callable[[Mapping[str, Any]], bool],
    begin: Callable[[Mapping[str, Any], Mapping[str, Any]], str | None],
    since: Callable[[Mapping[str, Any]], datetime | None] | None = None,
) -> JobStarted:
    """Read the item, adopt or start the operation, and return ``{jobId, adopted}``.

    ``allowed``: the ``allowedOperations`` name that permits it, or a test of the item's facts.
    ``since``: when a finished job of this kind counts as ours (default: any time).
    """
    # a wave's write: the grid point's vault-level item list when fresh (activities.vault_cache)
    listed = item_for_write(vault, payload)
    rpi = listed or read_rpi(vault, payload["item"])
    facts = item_facts(rpi)
    permitted = allowed(facts) if callable(allowed) else allowed in facts["allowedOperations"]
    adopted = _adopt_running(facts, scenario, operation)
    if adopted is None and not permitted:
        if not already_done(facts):
            raise FailbackError(
                "OPERATION_NOT_ALLOWED",
                f"{operation}: item {facts['name']} does not allow it now "
                f"(state {facts.get('protectionState')}, allowed {facts.get('allowedOperations')})",
            )
        adopted = _adopt_finished(vault, facts, scenario, operation, since(facts) if since else None)
    if adopted is not None:
        log_event(payload, f"{operation}: adopted job", jobId=adopted["jobId"], item=facts["name"])
        return adopted
    try:
        job_id = begin(rpi, facts)
    except FailbackError as err:
        if not is_conflict(err):
            raise
        # Someone (or our own earlier attempt) started it between our read and our POST.
        again = item_facts(read_rpi(vault, payload["item"]))
        adopted = _adopt_running(again, scenario, operation)
        if adopted is None and listed is not None and already_done(again):
            # the list (read at the grid point) predates an operation that has already ended: ours
            adopted = _adopt_finished(vault, again, scenario, operation, since(again) if since else None)
        if adopted is None:
            raise
        log_event(payload, f"{operation}: adopted job after conflict", jobId=adopted["jobId"])
        return adopted
    if not (job_id and payload.get("writeTick")):
        job_id = _started_job(vault, payload["item"], job_id, scenario, parse_time(payload.get("now")))
    # else a wave's write: its job wait finds the job in the next vault-level job scan (by this id, or
    # G4: when the id names no job, as the newest job of the kind on the item) instead of a read here
    log_event(payload, f"{operation}: started job", jobId=job_id, item=facts["name"])
    return {"jobId": job_id, "adopted": False}


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

    result = _run_once(
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
    return _run_once(
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
    return _run_once(
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
