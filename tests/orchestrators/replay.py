"""A scripted replay host: drives one orchestrator through the SDK's JSON protocol.

It does what the Durable host does between episodes, with a script instead of real
work: it builds the history JSON (``OrchestratorStarted``, ``ExecutionStarted``,
``TaskScheduled``/``TaskCompleted``, ``TimerCreated``/``TimerFired``,
``SubOrchestrationInstanceCreated``/``Completed``, ``EventRaised``), calls the
registered orchestrator handle with the whole history each episode, reads the
actions back and numbers new ones the way DTFx does (depth-first leaves; event waits
take no id). Activities and sub-orchestrations are answered by the test's
functions; timers fire by jumping the clock; hooks raise external events when the
custom status says the run waits for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

ACTIVITY, SUB, CONTINUE_AS_NEW, TIMER, WAIT, WHEN_ANY, WHEN_ALL = 0, 2, 4, 5, 6, 11, 12
Handle = Callable[[str], str]


class ActivityError(Exception):
    """Raised by a scripted activity: becomes ``TaskFailed`` with the worker's text."""


def failback_error(code: str, message: str) -> ActivityError:
    """An activity failure as the SDK shows it for ``FailbackError("[CODE] message")``."""
    return ActivityError(f"FailbackError: [{code}] {message}")


def _ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _event(kind: int, at: datetime, event_id: int = -1, **fields: Any) -> dict[str, Any]:
    return {"EventType": kind, "EventId": event_id, "IsPlayed": False, "Timestamp": _ts(at), **fields}


@dataclass
class _Work:
    id: int
    action: dict[str, Any]


@dataclass
class Episode:
    """What one orchestrator invocation returned."""

    state: dict[str, Any]
    at: datetime


@dataclass
class ScriptedHost:
    """Drive ``handle`` (the registered orchestrator function) with scripted answers.

    Args:
        handle: the orchestrator's registered callable (JSON context in, JSON state out).
        input: the orchestration input (stored JSON-encoded, like the Python client does).
        activities: activity name -> function(input) -> result (raise ActivityError to fail).
        subs: sub-orchestrator name -> function(input, instance_id) -> result (raise to fail).
        hooks: called after each episode with (host, custom status); may call ``raise_event``.
    """

    handle: Handle
    input: Any
    activities: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    subs: dict[str, Callable[[Any, str], Any]] = field(default_factory=dict)
    hooks: list[Callable[[ScriptedHost, Any], None]] = field(default_factory=list)
    instance_id: str = "fb-vault-dr-vm-20260301090000"
    clock: datetime = T0
    activity_seconds: float = 1.0

    def __post_init__(self) -> None:
        self.history: list[dict[str, Any]] = []
        self.leaf_ids: list[int | None] = []
        self.leaves: list[dict[str, Any]] = []
        self.next_id = 0
        self.work: list[_Work] = []
        self.timers: list[_Work] = []
        self.queued_events: list[tuple[str, Any]] = []
        self.calls: list[tuple[str, Any]] = []  # activities and sub-orchestrations, in dispatch order
        self.statuses: list[Any] = []
        self.episodes: list[Episode] = []
        self.generations = 1
        self.output: Any = None
        self.done = False
        self.error: str | None = None
        self._start(self.input)

    # ---------------------------------------------------------------- protocol

    def _start(self, payload: Any) -> None:
        self.current_input = payload
        self.history = [
            _event(12, self.clock),
            _event(
                0,
                self.clock,
                Name="orchestrator",
                Version="",
                Input=json.dumps(payload),
                OrchestrationInstance={
                    "InstanceId": self.instance_id,
                    "ExecutionId": f"exec{self.generations}",
                },
                ParentInstance=None,
            ),
        ]
        self.leaf_ids, self.leaves, self.next_id = [], [], 0
        self.work, self.timers = [], []
        self._invoke()

    def _invoke(self) -> None:
        context = {
            "history": self.history,
            "input": json.dumps(self.current_input),
            "instanceId": self.instance_id,
            "isReplaying": False,
            "parentInstanceId": None,
            "upperSchemaVersion": 1,
            "upperSchemaVersionNew": 2,
        }
        try:
            state = json.loads(self.handle(json.dumps(context)))
        except Exception as exc:  # orchestrator failure: "<error>\n\n$OutOfProcData$:{state}"
            text = str(exc)
            self.error = text.split("\n\n$OutOfProcData$:")[0]
            self.done = True
            return
        self.episodes.append(Episode(state, self.clock))
        self.statuses.append(state.get("customStatus"))
        self._schedule(state)
        self.history.append(_event(13, self.clock))
        if state.get("isDone"):
            can = [a for a in self._flatten(state["actions"][0]) if a["actionType"] == CONTINUE_AS_NEW]
            if can:
                self.generations += 1
                self._start(json.loads(can[-1]["input"]))
                return
            self.done = True
            self.output = state.get("output")

    def _flatten(self, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for action in actions:
            if action["actionType"] in (WHEN_ANY, WHEN_ALL):
                out.extend(self._flatten(action["compoundActions"]))
            else:
                out.append(action)
        return out

    def _schedule(self, state: dict[str, Any]) -> None:
        leaves = [
            a
            for a in self._flatten(state["actions"][0] if state["actions"] else [])
            if a["actionType"] != CONTINUE_AS_NEW
        ]
        for n, leaf in enumerate(leaves):
            if n < len(self.leaves):
                if leaf["actionType"] == TIMER and leaf.get("isCanceled"):
                    self.timers = [t for t in self.timers if t.id != self.leaf_ids[n]]
                continue
            self.leaves.append(leaf)
            kind = leaf["actionType"]
            if kind == WAIT:
                self.leaf_ids.append(None)
                continue
            work = _Work(self.next_id, leaf)
            self.leaf_ids.append(self.next_id)
            self.next_id += 1
            if kind == ACTIVITY:
                self.history.append(
                    _event(4, self.clock, work.id, Name=leaf["functionName"], Input=leaf["input"])
                )
                self.work.append(work)
            elif kind == SUB:
                self.history.append(
                    _event(
                        7,
                        self.clock,
                        work.id,
                        Name=leaf["functionName"],
                        InstanceId=leaf.get("instanceId"),
                        Input=leaf["input"],
                    )
                )
                self.work.append(work)
            elif kind == TIMER:
                self.history.append(_event(10, self.clock, work.id, FireAt=leaf["fireAt"]))
                if not leaf.get("isCanceled"):
                    self.timers.append(work)
            else:
                raise AssertionError(f"unexpected action {leaf}")

    def _new_episode(self, *events: dict[str, Any]) -> None:
        self.history.append(_event(12, self.clock))
        self.history.extend(events)
        self._invoke()

    # ---------------------------------------------------------------- driving

    def raise_event(self, name: str, payload: Any) -> None:
        """Queue an external event; it is delivered in the next episode."""
        self.queued_events.append((name, payload))

    def _complete(self, work: _Work) -> dict[str, Any]:
        action = work.action
        name = action["functionName"]
        payload = json.loads(action["input"]) if action.get("input") else None
        self.calls.append((name, payload))
        if action["actionType"] == ACTIVITY:
            self.clock += timedelta(seconds=self.activity_seconds)
            try:
                result = self.activities[name](payload)
            except ActivityError as exc:
                return _event(
                    6,
                    self.clock,
                    TaskScheduledId=work.id,
                    Reason=f"Activity function '{name}' failed:  {exc}",
                    Details="{}",
                )
            return _event(5, self.clock, TaskScheduledId=work.id, Result=json.dumps(result))
        try:
            result = self.subs[name](payload, action.get("instanceId"))
        except Exception as exc:
            return _event(
                9,
                self.clock,
                TaskScheduledId=work.id,
                Reason=f"Orchestrator function '{name}' failed: {exc}",
                Details="{}",
            )
        return _event(8, self.clock, TaskScheduledId=work.id, Result=json.dumps(result))

    def step(self) -> bool:
        """Deliver the next thing that happens; False when nothing is left to do."""
        if self.done:
            return False
        if self.queued_events:
            name, payload = self.queued_events.pop(0)
            self._new_episode(_event(15, self.clock, Name=name, Input=json.dumps(payload)))
        elif self.work:
            self._new_episode(self._complete(self.work.pop(0)))
        elif self.timers:
            timer = min(self.timers, key=lambda t: t.action["fireAt"])
            self.timers.remove(timer)
            fire_at = datetime.fromisoformat(timer.action["fireAt"].replace("Z", "+00:00"))
            self.clock = max(self.clock, fire_at)
            self._new_episode(_event(11, self.clock, TimerId=timer.id, FireAt=timer.action["fireAt"]))
        else:
            return False
        for hook in list(self.hooks):
            hook(self, self.statuses[-1] if self.statuses else None)
        return True

    def run(self, until: Callable[[Any], bool] | None = None, max_steps: int = 500) -> ScriptedHost:
        """Step until the orchestration is done or idle, or ``until(custom status)`` holds."""
        if len(self.episodes) == 1 and not self.queued_events:
            for hook in list(self.hooks):  # the first episode ran at construction
                hook(self, self.statuses[-1])
        for _ in range(max_steps):
            if until is not None and self.statuses and until(self.statuses[-1]):
                return self
            if not self.step():
                return self
        raise AssertionError("the orchestration did not settle")

    # ---------------------------------------------------------------- reading

    def activity_names(self) -> list[str]:
        """Names of the activities and sub-orchestrations called, in order."""
        return [name for name, _ in self.calls]

    def event_count(self) -> int:
        """Events in the current generation's history."""
        return len(self.history)
