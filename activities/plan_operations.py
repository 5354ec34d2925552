"""Recovery-plan operations, each started once: failover, commit, reverse replication (R21-R28).

- ``plan_failover`` ``{vault, plan, family, dataSyncOption?, recoveryPointType?, createVmIfNotFound?,
  baseline}`` →
  ``{jobId, adopted}``: Hyper-V / modernized plans ``plannedFailover`` with one input per provider;
  classic plans ``unplannedFailover`` (PowerShell refuses planned failover for them).
- ``plan_commit`` ``{vault, plan, baseline}`` → ``{jobId, adopted}``.
- ``plan_reprotect`` ``{vault, plan, baseline, item, first}`` → ``{jobId, adopted, via}``: the plan's
  re-protect (R28, empty body; started by the ``first`` item's call, adopted by the others), or, when
  the service refuses it (G12), the item's own reverse replication.

R21/R25: a plan operation's LRO id is not its job's name; the job is read from the operation's
status body or the plan's ``currentScenario.jobId``. R24: the plan keeps its last scenario after
the job ends; only a scenario newer than pre-flight's ``baseline`` is this run's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from azure.core.rest import HttpRequest
from azure.mgmt.recoveryservicessiterecovery import models

from activities import operations
from activities.asr_common import Vault, arm_errors, is_conflict, log_event
from clients.settings import Settings
from domain.asr_scenario import plan_running, plan_scenario_is_new
from domain.contracts import ItemInput
from domain.errors import FailbackError
from domain.items import current_scenario


def read_plan(vault: Vault, name: str) -> dict[str, Any]:
    """GET the recovery plan (wire dict)."""
    with arm_errors(f"get recovery plan {name}", not_found="PLAN_NOT_FOUND"):
        return dict(vault.client.replication_recovery_plans.get(*vault.args, name).as_dict())


def baseline_of(props: Mapping[str, Any]) -> dict[str, Any]:
    """The plan's last scenario as pre-flight saw it (``jobId``/``startTime`` None if it never ran)."""
    seen = current_scenario(props) or {}
    return {"jobId": seen.get("jobId"), "startTime": seen.get("startTime")}


def _adopt_running(
    props: Mapping[str, Any], name: str, scenario: Callable[[str], bool], operation: str
) -> dict[str, Any] | None:
    """Adopt the plan's running operation if it is ours; refuse if it is another one (R24: status)."""
    running = plan_running(props)
    if running is None:
        return None
    if scenario(str(running["scenarioName"])):
        return {"jobId": running["jobId"], "adopted": True}
    raise FailbackError("SCENARIO_IN_PROGRESS", f"{operation}: plan {name} runs {running['scenarioName']}")


def _adopt_finished(
    props: Mapping[str, Any], scenario: Callable[[str], bool], baseline: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The plan's finished operation of this kind if this run started it (R24: never an older one)."""
    last = current_scenario(props)
    if last is None or not scenario(str(last["scenarioName"])):
        return None
    if not plan_scenario_is_new(last, baseline):
        return None
    return {"jobId": last["jobId"], "adopted": True, "state": props.get("currentScenarioStatus")}


def _run_plan_once(
    vault: Vault,
    payload: Mapping[str, Any],
    *,
    operation: str,
    scenario: Callable[[str], bool],
    allowed: str,
    begin: Callable[[], str | None],
) -> dict[str, Any]:
    name = str(payload["plan"])
    plan = read_plan(vault, name)
    props = plan.get("properties") or {}
    adopted = _adopt_running(props, name, scenario, operation)
    if adopted is not None:
        log_event(payload, f"{operation}: adopted job", jobId=adopted["jobId"], plan=name)
        return adopted
    if allowed not in (props.get("allowedOperations") or []):
        # Ran already (this activity again after its job ended): the plan's last scenario names it.
        done = _adopt_finished(props, scenario, payload.get("baseline"))
        if done is None:
            raise FailbackError(
                "OPERATION_NOT_ALLOWED",
                f"{operation}: plan {name} does not allow {allowed} "
                f"(allowed {props.get('allowedOperations')}, last {current_scenario(props)})",
            )
        log_event(payload, f"{operation}: adopted finished job", jobId=done["jobId"], plan=name)
        return done
    try:
        job_id = begin()
    except FailbackError as err:
        if not is_conflict(err):
            raise
        # Someone (or our own earlier attempt) started it between our read and our POST.
        adopted = _adopt_running(read_plan(vault, name).get("properties") or {}, name, scenario, operation)
        if adopted is None:
            raise
        log_event(payload, f"{operation}: adopted job after conflict", jobId=adopted["jobId"], plan=name)
        return adopted
    if job_id is None:
        # R25: the plan's currentScenario.jobId names the job (never the LRO id, R21).
        job_id = (plan_running(read_plan(vault, name).get("properties") or {}) or {}).get("jobId")
    log_event(payload, f"{operation}: started job", jobId=job_id, plan=name)
    return {"jobId": job_id, "adopted": False}


class _StatusUrl:
    """A ``raw_response_hook`` that keeps the ``Azure-AsyncOperation`` URL of a plan operation's 202."""

    def __init__(self) -> None:
        self.url: str | None = None

    def __call__(self, response: Any) -> None:
        """Keep the status URL of the first response."""
        if self.url is None:
            self.url = response.http_response.headers.get("Azure-AsyncOperation")


def start_plan_operation(vault: Vault, what: str, begin: Callable[..., Any], *args: Any) -> str | None:
    """Start a plan operation without waiting; return its **job** name (``None`` if not named yet).

    R21/R25: for plan operations the LRO id is not the job's name. The operation's status body
    (``replicationOperationStatus/{lroId}``) names the job in ``name``; when it does not, the caller
    reads the plan's ``currentScenario.jobId``. The LRO id from ``Location`` is never used.
    """
    capture = _StatusUrl()
    with arm_errors(what):
        begin(*args, polling=False, raw_response_hook=capture)
    if not capture.url:
        return None
    with arm_errors(f"{what}: operation status"):
        response = vault.client.send_request(HttpRequest("GET", capture.url))
        response.raise_for_status()
    try:
        body = response.json()
    except ValueError:
        return None
    name = body.get("name") if isinstance(body, dict) else None
    return str(name) if name else None


def failover_body(payload: Mapping[str, Any]) -> tuple[str, Any]:
    """``("planned"|"unplanned", input model)`` of a plan's failback."""
    family = payload.get("family") or "hyperv"
    if family == "vmware-classic":
        return "unplanned", models.RecoveryPlanUnplannedFailoverInput(
            properties=models.RecoveryPlanUnplannedFailoverInputProperties(
                failover_direction="RecoveryToPrimary",
                source_site_operations="Required",
                provider_specific_details=[
                    models.RecoveryPlanInMageFailoverInput(
                        recovery_point_type=payload.get("recoveryPointType") or "LatestTime"
                    )
                ],
            )
        )
    if family == "vmware-modernized":
        details: Any = models.RecoveryPlanInMageRcmFailbackFailoverInput(
            recovery_point_type=payload.get("recoveryPointType") or "ApplicationConsistent"
        )
    else:
        details = models.RecoveryPlanHyperVReplicaAzureFailbackInput(
            data_sync_option=payload.get("dataSyncOption") or "ForDownTime",
            recovery_vm_creation_option="CreateVmIfNotFound"
            if payload.get("createVmIfNotFound")
            else "NoAction",
        )
    return "planned", models.RecoveryPlanPlannedFailoverInput(
        properties=models.RecoveryPlanPlannedFailoverInputProperties(
            failover_direction="RecoveryToPrimary", provider_specific_details=[details]
        )
    )


def failover(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """Start (or adopt) the plan's failback (the ``plan_failover`` activity body)."""
    vault = Vault(payload["vault"], settings)
    name = str(payload["plan"])
    kind, body = failover_body(payload)
    plans = vault.client.replication_recovery_plans
    method = plans.begin_unplanned_failover if kind == "unplanned" else plans.begin_planned_failover
    scenario_name = "UnplannedFailover" if kind == "unplanned" else "PlannedFailover"
    return _run_plan_once(
        vault,
        payload,
        operation="plan_failover",
        scenario=lambda s: s == scenario_name,
        allowed=scenario_name,
        begin=lambda: start_plan_operation(
            vault, f"{kind} failover of plan {name}", method, *vault.args, name, body
        ),
    )


def commit(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """Commit (or adopt the commit of) the plan (the ``plan_commit`` activity body)."""
    vault = Vault(payload["vault"], settings)
    name = str(payload["plan"])
    return _run_plan_once(
        vault,
        payload,
        operation="plan_commit",
        scenario=lambda s: "commit" in s.lower(),
        allowed="Commit",
        begin=lambda: start_plan_operation(
            vault,
            f"commit of plan {name}",
            vault.client.replication_recovery_plans.begin_failover_commit,
            *vault.args,
            name,
        ),
    )


def _is_plan_reprotect(name: str) -> bool:
    """R28: a plan's re-protect runs as scenario ``ReverseReplication``."""
    text = name.replace(" ", "").lower()
    return "reverserepl" in text or "reprotect" in text


def reprotect(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """Reverse replication of one item of a Hyper-V plan (the ``plan_reprotect`` activity body).

    The ``first`` item's call starts the plan's re-protect (R28, empty body) or adopts it; the
    other items' calls adopt that plan job. When the service refuses plan re-protect (G12: 400
    and the plan runs nothing), each call re-protects its own item (``reverse_replicate``).
    """
    vault = Vault(payload["vault"], settings)
    name = str(payload["plan"])
    props = read_plan(vault, name).get("properties") or {}
    adopted = _adopt_running(props, name, _is_plan_reprotect, "plan_reprotect") or _adopt_finished(
        props, _is_plan_reprotect, payload.get("baseline")
    )
    if adopted is not None:
        log_event(payload, "plan_reprotect: adopted plan job", jobId=adopted["jobId"], plan=name)
        return {**adopted, "via": "plan"}
    if payload.get("first"):
        try:
            job_id = start_plan_operation(
                vault,
                f"reprotect of plan {name}",
                vault.client.replication_recovery_plans.begin_reprotect,
                *vault.args,
                name,
            )
        except FailbackError as err:
            if not is_conflict(err):
                raise
            again = read_plan(vault, name).get("properties") or {}
            adopted = _adopt_running(again, name, _is_plan_reprotect, "plan_reprotect")
            if adopted is not None:
                return {**adopted, "via": "plan"}
            if err.details.get("status") != 400:
                raise
            # G12: plan re-protect refused; fall back to the item's own reverse replication.
            log_event(payload, "plan_reprotect: refused, re-protecting item by item", plan=name)
        else:
            if job_id is None:  # R25: the plan's currentScenario.jobId names the job
                job_id = (plan_running(read_plan(vault, name).get("properties") or {}) or {}).get("jobId")
            log_event(payload, "plan_reprotect: started plan job", jobId=job_id, plan=name)
            return {"jobId": job_id, "adopted": False, "via": "plan"}
    item_input = cast(ItemInput, {k: v for k, v in payload.items() if k != "plan"})
    started = operations.reverse(item_input, settings)
    return {**started, "via": "item"}
