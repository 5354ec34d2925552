"""Rewind of a failed instance (reference §3.10), Azure Storage style.

Failed task rows, their scheduling rows and the failed ``ExecutionCompleted`` become
``GenericEvent``s; the failed activities are queued again under their original ids, failed
sub-orchestrations are rewound recursively, and the instance goes back to Running.
Successful results are kept.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from devhost import history as hist
from devhost.history import EventType
from devhost.jsonfmt import epoch
from devhost.store import Store

if TYPE_CHECKING:
    from devhost.engine import Engine

_FAILED = (EventType.TaskFailed, EventType.SubOrchestrationInstanceFailed)


def rewind_instance(store: Store, engine: Engine, instance_id: str, reason: str | None) -> None:
    """Rewind ``instance_id`` if it is Failed."""
    row = store.instance(instance_id)
    if row is None or row["status"] != "Failed":
        return
    history = store.history(instance_id)
    failed_ids = {int(e["TaskScheduledId"]) for e in history if e["EventType"] in _FAILED}
    now = engine.now()
    note = f"Rewound: {reason or ''}"
    rewritten = []
    for ev in history:
        etype = ev["EventType"]
        rewind_row = (
            etype in _FAILED
            or etype == EventType.ExecutionCompleted
            or (
                etype in (EventType.TaskScheduled, EventType.SubOrchestrationInstanceCreated)
                and int(ev["EventId"]) in failed_ids
            )
        )
        rewritten.append(
            hist.generic(now, json.dumps({"Reason": note, "Original": ev})) if rewind_row else ev
        )
    state = row["state"]
    items = []
    failed_children: list[str] = []
    children = {
        int(e["EventId"]): str(e["InstanceId"])
        for e in history
        if e["EventType"] == EventType.SubOrchestrationInstanceCreated
    }
    for task_id in sorted(failed_ids):
        task = state.get("tasks", {}).get(str(task_id))
        if task is None:
            continue
        task["open"] = True
        leaf = state["leaves"][task["leaf"]]
        if leaf["kind"] == "activity":
            items.append((task_id, leaf["name"], leaf.get("input")))
        elif leaf["kind"] == "suborchestration" and task_id in children:
            failed_children.append(children[task_id])
    row.update(status="Running", output=None, last_updated=epoch(now))
    with store.tx() as db:
        Store.replace_history(db, instance_id, rewritten)
        Store.save_instance(db, row)
        for task_id, name, input_text in items:
            Store.add_work_item(db, instance_id, row["execution_id"], task_id, "activity", name, input_text)
    for item in store.work_items("instance_id=?", (instance_id,)):
        engine.dispatch(item)
    for child_id in failed_children:
        # Failed sub-orchestrations are rewound too; their completion reaches this parent again.
        rewind_instance(store, engine, child_id, reason)
    engine.poke()
