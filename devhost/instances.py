"""New instance rows, execution ids and the engine's per-execution bookkeeping."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from devhost import history as hist
from devhost.jsonfmt import epoch


def new_execution_id() -> str:
    """A 32-hex execution id like DTFx's GUID ``N`` format."""
    return uuid.uuid4().hex


def empty_state() -> dict[str, Any]:
    """Engine bookkeeping of a fresh execution."""
    return {"next_id": 0, "leaves": [], "tasks": {}, "raised": {}}


def new_instance_row(
    instance_id: str,
    name: str,
    input_json: str | None,
    now: datetime,
    *,
    parent: dict[str, Any] | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """A Pending instance row plus its ExecutionStarted message (key ``start_event``)."""
    execution_id = new_execution_id()
    started = hist.execution_started(
        now,
        name=name,
        instance_id=instance_id,
        execution_id=execution_id,
        input_json=input_json,
        parent=parent_ref(parent),
        version=version or "",
    )
    return {
        "instance_id": instance_id,
        "name": name,
        "execution_id": execution_id,
        "status": "Pending",
        "input": input_json,
        "output": None,
        "custom_status": None,
        "created": epoch(now),
        "last_updated": epoch(now),
        "parent": parent,
        "state": empty_state(),
        "start_event": started,
    }


def parent_ref(parent: dict[str, Any] | None) -> dict[str, Any] | None:
    """``ExecutionStarted.ParentInstance`` of a sub-orchestration (None for a root instance)."""
    if not parent:
        return None
    return {
        "Name": parent["name"],
        "Version": "",
        "TaskScheduleId": parent["task_id"],
        "OrchestrationInstance": {"InstanceId": parent["instance_id"], "ExecutionId": parent["execution_id"]},
    }
