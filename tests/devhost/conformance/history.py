"""Hand-built Durable Functions history, shaped as the real host sends it (reference §1).

Events are PascalCase dicts with the numeric ``EventType`` the C# host serializes;
timestamps always carry ``Z`` (naive timestamps change SDK behaviour).
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2024, 1, 1, tzinfo=UTC)

EXECUTION_STARTED = 0
TASK_SCHEDULED = 4
TASK_COMPLETED = 5
TASK_FAILED = 6
SUB_ORCHESTRATION_CREATED = 7
SUB_ORCHESTRATION_COMPLETED = 8
SUB_ORCHESTRATION_FAILED = 9
TIMER_CREATED = 10
TIMER_FIRED = 11
ORCHESTRATOR_STARTED = 12
ORCHESTRATOR_COMPLETED = 13
EVENT_RAISED = 15

# Action types in the orchestrator's reply (reference §2.2).
CALL_ACTIVITY = 0
CALL_ACTIVITY_WITH_RETRY = 1
CALL_SUB_ORCHESTRATOR = 2
CONTINUE_AS_NEW = 4
CREATE_TIMER = 5
WAIT_FOR_EXTERNAL_EVENT = 6
WHEN_ANY = 11
WHEN_ALL = 12


def ts(seconds: float) -> str:
    """Timestamp ``seconds`` after T0, in the host's ``...Z`` format."""
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event(event_type: int, at: float, event_id: int = -1, played: bool = False, **fields: Any) -> dict:
    """One history event with the common fields."""
    return {"EventType": event_type, "EventId": event_id, "IsPlayed": played, "Timestamp": ts(at), **fields}


def started(at: float) -> dict:
    """OrchestratorStarted: opens an episode and sets current_utc_datetime."""
    return event(ORCHESTRATOR_STARTED, at)


def completed(at: float) -> dict:
    """OrchestratorCompleted: closes an episode."""
    return event(ORCHESTRATOR_COMPLETED, at)


def execution_started(name: str, input_text: str | None, instance_id: str = "inst1") -> dict:
    """ExecutionStarted with the ``Version`` key the SDK requires."""
    return event(
        EXECUTION_STARTED,
        0,
        played=True,
        Name=name,
        Version="",
        Input=input_text,
        ParentInstance=None,
        OrchestrationInstance={"InstanceId": instance_id, "ExecutionId": "e1"},
    )


def task_scheduled(event_id: int, at: float, name: str) -> dict:
    """TaskScheduled for action ``event_id``."""
    return event(TASK_SCHEDULED, at, event_id=event_id, Name=name, Version="", Input=None)


def task_completed(scheduled_id: int, at: float, result: Any) -> dict:
    """TaskCompleted whose Result is the JSON text of ``result``."""
    return event(TASK_COMPLETED, at, TaskScheduledId=scheduled_id, Result=json.dumps(result))


def task_failed(scheduled_id: int, at: float, reason: str, details: str = "{}") -> dict:
    """TaskFailed with the host's Reason/Details pair."""
    return event(TASK_FAILED, at, TaskScheduledId=scheduled_id, Reason=reason, Details=details)


def timer_created(event_id: int, at: float, fire_at: float) -> dict:
    """TimerCreated for action ``event_id``."""
    return event(TIMER_CREATED, at, event_id=event_id, FireAt=ts(fire_at))


def timer_fired(timer_id: int, at: float, fire_at: float) -> dict:
    """TimerFired for the timer created with id ``timer_id``."""
    return event(TIMER_FIRED, at, TimerId=timer_id, FireAt=ts(fire_at))


def event_raised(name: str, at: float, input_text: str | None) -> dict:
    """EventRaised whose Input is stored JSON text, exactly as the host stored it."""
    return event(EVENT_RAISED, at, Name=name, Input=input_text)


def sub_created(event_id: int, at: float, name: str, instance_id: str) -> dict:
    """SubOrchestrationInstanceCreated for action ``event_id``."""
    return event(
        SUB_ORCHESTRATION_CREATED, at, event_id=event_id, Name=name, InstanceId=instance_id, Input=None
    )


def sub_failed(scheduled_id: int, at: float, reason: str, details: str = "") -> dict:
    """SubOrchestrationInstanceFailed with the child's failure output as Reason."""
    return event(SUB_ORCHESTRATION_FAILED, at, TaskScheduledId=scheduled_id, Reason=reason, Details=details)


def context_json(
    history: list[dict], input_text: str | None = None, instance_id: str = "inst1", **extra: Any
) -> str:
    """The orchestration context string the real host sends (schema V3 negotiated)."""
    body: dict[str, Any] = {
        "history": history,
        "instanceId": instance_id,
        "isReplaying": len(history) > 2,
        "parentInstanceId": None,
        "input": input_text,
        "upperSchemaVersion": 1,
        "upperSchemaVersionNew": 2,
        "maximumShortTimerDuration": "6.00:00:00",
        "longRunningTimerIntervalDuration": "3.00:00:00",
        "defaultHttpAsyncRequestSleepTimeMillseconds": 30000,
    }
    body.update(extra)
    return json.dumps(body)


def first_episode(name: str, *scheduling: dict, input_text: str | None = None) -> list[dict]:
    """Episode 1 at t=0: OrchestratorStarted, ExecutionStarted, scheduling events, OrchestratorCompleted."""
    return [started(0), execution_started(name, input_text), *scheduling, completed(0)]


def leaves(actions: list) -> list[dict]:
    """Depth-first leaves of a V2/V3 action list (the order the host numbers them)."""
    out: list[dict] = []
    for action in actions:
        if action.get("compoundActions"):
            out.extend(leaves(action["compoundActions"]))
        else:
            out.append(action)
    return out
