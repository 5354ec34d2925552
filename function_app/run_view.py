"""What ``GET /api/failbacks/{id}`` (and the signed status) shows of a run (W3)."""

from __future__ import annotations

import json
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Rs

from function_app.run_lookup import custom_status


async def live_progress(
    client: df.DurableOrchestrationClient, custom: dict[str, Any]
) -> dict[str, Any] | None:
    """The live progress of a running run: its job-wait sub-orchestration's, else its own."""
    tracker = custom.get("tracker")
    if not tracker:
        return custom.get("progress")
    child = await client.get_status(str(tracker))
    progress = custom_status(child).get("progress") if child else None
    return progress or custom.get("progress")


def run_view(status: DurableOrchestrationStatus, custom: dict[str, Any], progress: Any) -> dict[str, Any]:
    """The JSON body of ``GET /api/failbacks/{id}``."""
    runtime = status.runtime_status.value if status.runtime_status else None
    output = status.output if isinstance(status.output, dict) else None
    view: dict[str, Any] = {
        "id": status.instance_id,
        "runtimeStatus": runtime,
        "phase": custom.get("phase"),
        "step": custom.get("step"),
        "awaiting": custom.get("awaiting"),
        "message": custom.get("message"),
        "jobId": custom.get("jobId"),
        "progress": progress,
        "cancel": custom.get("cancel"),
        "timeline": (output or {}).get("timeline") or custom.get("timeline") or [],
        "outcome": (output or {}).get("outcome"),
        "report": output,
        "createdTime": str(status.created_time) if status.created_time else None,
        "lastUpdatedTime": str(status.last_updated_time) if status.last_updated_time else None,
    }
    if status.runtime_status in (Rs.Failed, Rs.Terminated):
        view["error"] = status.output if isinstance(status.output, str) else json.dumps(status.output)
    return view
