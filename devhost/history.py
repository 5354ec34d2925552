"""History events in the shape DTFx serializes them (PascalCase, nulls included)."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any

from devhost.jsonfmt import compact, dotnet_timestamp

Event = dict[str, Any]


class EventType(IntEnum):
    """DTFx ``EventType`` numbers."""

    ExecutionStarted = 0
    ExecutionCompleted = 1
    ExecutionFailed = 2
    ExecutionTerminated = 3
    TaskScheduled = 4
    TaskCompleted = 5
    TaskFailed = 6
    SubOrchestrationInstanceCreated = 7
    SubOrchestrationInstanceCompleted = 8
    SubOrchestrationInstanceFailed = 9
    TimerCreated = 10
    TimerFired = 11
    OrchestratorStarted = 12
    OrchestratorCompleted = 13
    EventSent = 14
    EventRaised = 15
    ContinueAsNew = 16
    GenericEvent = 17
    HistoryState = 18
    ExecutionSuspended = 19
    ExecutionResumed = 20


class RuntimeStatus(IntEnum):
    """DTFx ``OrchestrationStatus`` numbers."""

    Running = 0
    Completed = 1
    ContinuedAsNew = 2
    Failed = 3
    Canceled = 4
    Terminated = 5
    Pending = 6
    Suspended = 7


TERMINAL = {"Completed", "Failed", "Terminated", "Canceled"}
ACTIVE = {"Running", "Pending", "ContinuedAsNew", "Suspended"}


def event(kind: EventType, when: datetime, event_id: int = -1, **fields: Any) -> Event:
    """Build one history event."""
    return {
        "EventType": int(kind),
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": dotnet_timestamp(when),
        **fields,
    }


def orchestrator_started(when: datetime) -> Event:
    """``OrchestratorStarted`` (start of an episode)."""
    return event(EventType.OrchestratorStarted, when)


def orchestrator_completed(when: datetime) -> Event:
    """``OrchestratorCompleted`` (end of an episode)."""
    return event(EventType.OrchestratorCompleted, when)


def execution_started(
    when: datetime,
    *,
    name: str,
    instance_id: str,
    execution_id: str,
    input_json: str | None,
    parent: dict[str, Any] | None = None,
    version: str | None = "",
    generation: int = 0,
) -> Event:
    """``ExecutionStarted`` with ``Input`` as the stored JSON text."""
    return event(
        EventType.ExecutionStarted,
        when,
        OrchestrationInstance={"InstanceId": instance_id, "ExecutionId": execution_id},
        ParentInstance=parent,
        Name=name,
        Version=version if version is not None else "",
        Input=input_json,
        Tags=None,
        Correlation=None,
        ParentTraceContext=None,
        ScheduledStartTime=None,
        Generation=generation,
    )


def execution_completed(
    when: datetime, event_id: int, status: RuntimeStatus, result: str | None, failure: Any = None
) -> Event:
    """``ExecutionCompleted``."""
    return event(
        EventType.ExecutionCompleted,
        when,
        event_id,
        OrchestrationStatus=int(status),
        Result=result,
        FailureDetails=failure,
    )


def task_scheduled(when: datetime, event_id: int, name: str, input_text: str | None) -> Event:
    """``TaskScheduled``; ``Input`` wraps the action's JSON text in a one-element array."""
    return event(
        EventType.TaskScheduled,
        when,
        event_id,
        Name=name,
        Version="",
        Input=compact([input_text]) if input_text is not None else None,
        ParentTraceContext=None,
        Tags=None,
    )


def task_completed(when: datetime, scheduled_id: int, result: str | None) -> Event:
    """``TaskCompleted``."""
    return event(EventType.TaskCompleted, when, TaskScheduledId=scheduled_id, Result=result)


def task_failed(when: datetime, scheduled_id: int, reason: str, details: str | None) -> Event:
    """``TaskFailed``."""
    return event(
        EventType.TaskFailed,
        when,
        TaskScheduledId=scheduled_id,
        Reason=reason,
        Details=details,
        FailureDetails=None,
    )


def timer_created(when: datetime, event_id: int, fire_at: datetime) -> Event:
    """``TimerCreated``."""
    return event(EventType.TimerCreated, when, event_id, FireAt=dotnet_timestamp(fire_at))


def timer_fired(when: datetime, timer_id: int, fire_at: str) -> Event:
    """``TimerFired``."""
    return event(EventType.TimerFired, when, TimerId=timer_id, FireAt=fire_at)


def sub_created(when: datetime, event_id: int, name: str, instance_id: str, input_json: str | None) -> Event:
    """``SubOrchestrationInstanceCreated``."""
    return event(
        EventType.SubOrchestrationInstanceCreated,
        when,
        event_id,
        Name=name,
        Version="",
        InstanceId=instance_id,
        Input=input_json,
        ClientSpanId=None,
        Tags=None,
    )


def sub_completed(when: datetime, scheduled_id: int, result: str | None) -> Event:
    """``SubOrchestrationInstanceCompleted``."""
    return event(
        EventType.SubOrchestrationInstanceCompleted, when, TaskScheduledId=scheduled_id, Result=result
    )


def sub_failed(when: datetime, scheduled_id: int, reason: str, details: str | None) -> Event:
    """``SubOrchestrationInstanceFailed``."""
    return event(
        EventType.SubOrchestrationInstanceFailed,
        when,
        TaskScheduledId=scheduled_id,
        Reason=reason,
        Details=details,
        FailureDetails=None,
    )


def event_raised(when: datetime, name: str, input_json: str | None) -> Event:
    """``EventRaised``."""
    return event(EventType.EventRaised, when, Name=name, Input=input_json, ParentTraceContext=None)


def event_sent(when: datetime, event_id: int, instance_id: str, name: str, input_json: str) -> Event:
    """``EventSent`` (entity call/signal)."""
    return event(EventType.EventSent, when, event_id, InstanceId=instance_id, Name=name, Input=input_json)


def execution_terminated(when: datetime, reason: str | None) -> Event:
    """``ExecutionTerminated``."""
    return event(EventType.ExecutionTerminated, when, Input=reason)


def execution_suspended(when: datetime, reason: str | None) -> Event:
    """``ExecutionSuspended``."""
    return event(EventType.ExecutionSuspended, when, Reason=reason)


def execution_resumed(when: datetime, reason: str | None) -> Event:
    """``ExecutionResumed``."""
    return event(EventType.ExecutionResumed, when, Reason=reason)


def generic(when: datetime, data: str) -> Event:
    """``GenericEvent`` (rewound rows)."""
    return event(EventType.GenericEvent, when, Data=data)
