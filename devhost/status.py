"""Status payloads of the HTTP API (reference §4.4), including the ``showHistory`` transformation."""

from __future__ import annotations

from typing import Any

from devhost.history import Event, EventType, RuntimeStatus
from devhost.jsonfmt import from_epoch, parse_or_none, whole_seconds

_SCHEDULING = {EventType.TaskScheduled, EventType.SubOrchestrationInstanceCreated}
_COMPLETIONS = {
    EventType.TaskCompleted,
    EventType.TaskFailed,
    EventType.SubOrchestrationInstanceCompleted,
    EventType.SubOrchestrationInstanceFailed,
}


def status_payload(
    row: dict[str, Any],
    history: list[Event] | None = None,
    *,
    show_input: bool = True,
    show_history_output: bool = False,
) -> dict[str, Any]:
    """The JSON body of ``GET instances/{id}``."""
    body: dict[str, Any] = {
        "name": row["name"],
        "instanceId": row["instance_id"],
        "runtimeStatus": row["status"],
        "input": parse_or_none(row.get("input")) if show_input else None,
        "customStatus": parse_or_none(row.get("custom_status")),
        "output": parse_or_none(row.get("output")),
        "createdTime": whole_seconds(from_epoch(row["created"])),
        "lastUpdatedTime": whole_seconds(from_epoch(row["last_updated"])),
    }
    if history is not None:
        body["historyEvents"] = (
            [] if row["status"] == "Pending" else transform_history(history, show_input, show_history_output)
        )
    return body


def transform_history(history: list[Event], show_input: bool, show_output: bool) -> list[dict[str, Any]]:
    """Rewrite raw history the way the extension shows it (names, merged scheduling rows)."""
    scheduled: dict[int, Event] = {}
    for ev in history:
        if ev["EventType"] in _SCHEDULING:
            scheduled[int(ev["EventId"])] = ev
    completed_ids = {int(ev["TaskScheduledId"]) for ev in history if ev["EventType"] in _COMPLETIONS}
    out: list[dict[str, Any]] = []
    for ev in history:
        etype = EventType(ev["EventType"])
        if etype in (EventType.OrchestratorStarted, EventType.OrchestratorCompleted):
            continue
        if etype in _SCHEDULING and int(ev["EventId"]) in completed_ids:
            continue
        row = {k: v for k, v in ev.items() if k not in ("EventId", "IsPlayed")}
        row["EventType"] = etype.name
        _reshape(row, ev, etype, scheduled, show_input)
        if "Result" in row:
            if show_output:
                row["Result"] = parse_or_none(row["Result"])
            else:
                row.pop("Result")
        if not show_input:
            row.pop("Input", None)
        out.append(row)
    return out


def _reshape(
    row: dict[str, Any], ev: Event, etype: EventType, scheduled: dict[int, Event], show_input: bool
) -> None:
    """Per-type renames and merges of the public history view."""
    if etype == EventType.ExecutionStarted:
        row["FunctionName"] = row.pop("Name", None)
        for key in ("OrchestrationInstance", "ParentInstance", "Version", "Tags"):
            row.pop(key, None)
    elif etype in _COMPLETIONS:
        source = scheduled.get(int(ev["TaskScheduledId"]))
        if source is not None:
            row["FunctionName"] = source.get("Name")
            row["ScheduledTime"] = source.get("Timestamp")
            if show_input:
                row["Input"] = source.get("Input")
    elif etype in _SCHEDULING:
        row["FunctionName"] = row.pop("Name", None)
    elif etype == EventType.TimerFired:
        row.pop("TimerId", None)
    elif etype == EventType.ExecutionCompleted:
        row["OrchestrationStatus"] = RuntimeStatus(int(ev["OrchestrationStatus"])).name
