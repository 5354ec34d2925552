"""The live failback runs and what they hold: the holder of an item, live jobs, busy master targets.

One listing of every live run with its input (:func:`live_runs`); a run holds the canonical ids
in its input's ``claims`` (a waves or plan run claims each member), compared within the same vault
by its full id, never by name (a run started before run ids were canonical is matched by the item's
names). Used by ``function_app.run_claim`` (issue 12, parts 1 and 8).
"""

from __future__ import annotations

from collections.abc import Iterable

import azure.durable_functions as df
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Rs
from azure.durable_functions.models.RpcManagementOptions import RpcManagementOptions

from domain import run_names as ids
from domain.request import FailbackRequest
from function_app.json_body import json_object
from function_app.run_lookup import custom_status
from function_app.run_resolve import Resolved
from function_app.status_pages import RUN_PREFIX, is_run

#: A run that holds its item: not ended (a suspended run still holds it).
LIVE = (Rs.Running, Rs.Pending, Rs.ContinuedAsNew, Rs.Suspended)
#: Key of the run input naming what the run holds (``RunClaims``).
CLAIMS_KEY = "claims"


async def live_runs(client: df.DurableOrchestrationClient) -> list[DurableOrchestrationStatus]:
    """Every live failback run with its input (one listing; the SDK's listing cannot ask for inputs)."""
    options = RpcManagementOptions(instance_id_prefix=RUN_PREFIX, runtime_status=list(LIVE), show_input=True)
    code, body = await client._get_async_request(options.to_url(client._orchestration_bindings.rpc_base_url))
    if code != 200:
        raise RuntimeError(f"listing the live runs answered {code}")
    statuses = [DurableOrchestrationStatus.from_json(o) for o in body or []]
    return [s for s in statuses if s.instance_id]  # runs, and the VMs' runs inside waves (``<run>:vm:<vm>``)


def _claimed(status: DurableOrchestrationStatus, vault_id: str, resolved: Resolved) -> str | None:
    """The canonical id of ours that this live run holds, if any (same vault, by its full id)."""
    run_input = json_object(status.input_)
    request = json_object(run_input.get("request"))
    try:
        if ids.vault_id(json_object(request.get("vault"))) != vault_id:
            return None
    except KeyError:
        return None
    claims = json_object(run_input.get(CLAIMS_KEY))
    if claims:
        held = {str(claims.get("key") or "")} | {str(i) for i in claims.get("items") or []}
        ours = [resolved.key, *resolved.items]
        return next((k for k in ours if k in held), None)
    # a run started before run ids were canonical: known by the names it resolved or was given
    known = set()
    for item in (custom_status(status).get("item"), request.get("item")):
        if isinstance(item, dict):
            known |= {str(item[k]).lower() for k in ("name", "friendlyName") if item.get(k)}
    return next((resolved.names[n] for n in sorted(known) if n in resolved.names), None)


def holder(
    runs: Iterable[DurableOrchestrationStatus], request: FailbackRequest, resolved: Resolved
) -> tuple[str, str] | None:
    """``(run id, canonical id)`` of the oldest live run of this vault holding what the request names."""
    vault_id = ids.vault_id(request.vault.to_dict())
    for status in sorted(runs, key=lambda s: str(s.created_time or "")):
        if not is_run(status.instance_id):  # a waves run holds its VMs through its own claims
            continue
        held = _claimed(status, vault_id, resolved)
        if held:
            return str(status.instance_id), held
    return None


def jobs_of(runs: Iterable[DurableOrchestrationStatus]) -> dict[str, str]:
    """``{jobId: runId}`` of live runs (pre-flight never adopts a job another run of ours drives)."""
    return {
        str(custom_status(s).get("jobId")): str(s.instance_id) for s in runs if custom_status(s).get("jobId")
    }


#: Phases in which a run's disks may not be attached to its master target yet (ASR counts them after).
RESERVING_PHASES = ("preflight", "sync")
PREFLIGHT_PHASE = RESERVING_PHASES[0]


def master_target_disks(runs: Iterable[DurableOrchestrationStatus], vault_id: str) -> dict[str, int]:
    """``{masterTargetId: disks}`` live VMware runs of this vault (waves' VMs too) are re-protecting (V3)."""
    disks: dict[str, int] = {}
    for status in runs:
        custom = custom_status(status)
        target = json_object(custom.get("masterTarget"))
        phase = custom.get("phase")
        if not target.get("id") and phase in (None, PREFLIGHT_PHASE):
            # started but not yet through pre-flight: the master target its claim took (master_target_claim)
            target = json_object(json_object(json_object(status.input_).get("claims")).get("masterTarget"))
        if not target.get("id") or (phase is not None and phase not in RESERVING_PHASES):
            continue
        request = json_object(json_object(status.input_).get("request"))
        try:
            if ids.vault_id(json_object(request.get("vault"))) != vault_id:
                continue
        except KeyError:
            continue
        disks[str(target["id"])] = disks.get(str(target["id"]), 0) + int(target.get("disks") or 0)
    return disks
