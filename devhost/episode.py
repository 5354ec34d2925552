"""One orchestration episode: build the context JSON, interpret the reply, plan the writes.

This module plays the C# half of the protocol (reference §0, §2.4-§2.6, §3): it numbers
new actions, detects non-determinism, applies retry policies, and decides when the
instance may complete. It never touches the store; the engine persists the ``Outbox``.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from devhost import actions as act
from devhost import history as hist
from devhost.history import Event, EventType, RuntimeStatus
from devhost.instances import empty_state, new_execution_id, new_instance_row, parent_ref
from devhost.jsonfmt import compact, dotnet_timestamp, epoch, parse_timestamp
from devhost.loader import FunctionIndex

OUT_OF_PROC_LABEL = "$OutOfProcData$:"
CUSTOM_STATUS_LIMIT_KB = 16
MAX_RETRY_INTERVAL_MS = 6 * 24 * 3600 * 1000  # extension default: 6 days


@dataclass
class NewMessage:
    """A message to queue for some instance."""

    instance_id: str
    event: Event
    execution_id: str | None = None
    visible_at: float | None = None


@dataclass
class WorkItem:
    """An activity (or entity/http) invocation to queue for this instance."""

    task_id: int
    kind: str
    name: str
    input_text: str | None


@dataclass
class Outbox:
    """Everything one episode writes, persisted in a single transaction."""

    instance: dict[str, Any]
    append: list[Event] = field(default_factory=list)
    reset_history: bool = False
    consumed: list[int] = field(default_factory=list)
    messages: list[NewMessage] = field(default_factory=list)
    work_items: list[WorkItem] = field(default_factory=list)
    new_instances: list[dict[str, Any]] = field(default_factory=list)
    terminal: bool = False


class Episode:
    """Plans one episode of one instance."""

    def __init__(
        self,
        row: dict[str, Any],
        history: list[Event],
        batch: list[dict[str, Any]],
        now: datetime,
        index: FunctionIndex,
        timer_durations: tuple[str, str] = ("6.00:00:00", "3.00:00:00"),
        default_version: str | None = None,
    ) -> None:
        self.row = copy.deepcopy(row)
        self.row.setdefault("state", empty_state())
        if not self.row["state"]:
            self.row["state"] = empty_state()
        self.state: dict[str, Any] = self.row["state"]
        self.old = history
        self.batch = batch
        self.now = now
        self.index = index
        self.timer_durations = timer_durations
        self.default_version = default_version
        self.out = Outbox(instance=self.row, consumed=[m["id"] for m in batch])
        self.new_events: list[Event] = [hist.orchestrator_started(now)] + [m["event"] for m in batch]
        self.scheduled: list[Event] = []

    # -- control episodes ------------------------------------------------------------------
    def control(self) -> Outbox | None:
        """Handle terminate/suspend batches (no orchestrator call); None for normal episodes."""
        if not self.batch:
            return None
        terminate = next(
            (m["event"] for m in self.batch if m["etype"] == EventType.ExecutionTerminated), None
        )
        if terminate is not None:
            reason = terminate.get("Input")
            output = reason if _is_json(reason) else (compact(reason) if reason is not None else None)
            self._finish(RuntimeStatus.Terminated, output, completion_id=-1)
            return self.out
        if self.batch[0]["etype"] == EventType.ExecutionSuspended:
            self.row["status"] = "Suspended"
            self._close_episode()
            return self.out
        return None

    # -- normal episodes -------------------------------------------------------------------
    def context_json(self) -> str:
        """The context string of reference §1.1."""
        history = self.old + [dict(e, IsPlayed=False) for e in self.new_events]
        started = next((e for e in history if e["EventType"] == EventType.ExecutionStarted), None)
        parent = self.row.get("parent")
        return json.dumps(
            {
                "history": history,
                "instanceId": self.row["instance_id"],
                "isReplaying": bool(started and started.get("IsPlayed")),
                "parentInstanceId": parent["instance_id"] if parent else None,
                "input": json.loads(self.row["input"]) if self.row.get("input") is not None else None,
                "upperSchemaVersion": 1,
                "upperSchemaVersionNew": 2,
                "maximumShortTimerDuration": self.timer_durations[0],
                "longRunningTimerIntervalDuration": self.timer_durations[1],
                "defaultHttpAsyncRequestSleepTimeMillseconds": 30000,
            }
        )

    def apply(self, reply: str | None, error: BaseException | None) -> Outbox:
        """Interpret the orchestrator's reply (or exception) and plan the writes."""
        if self.row["status"] in ("Pending", "ContinuedAsNew", "Suspended"):
            self.row["status"] = "Running"
        self._process_new_events()
        result, failure = _parse_reply(reply, error)
        name = self.row["name"]
        if result is None:
            self._fail(f"Orchestrator function '{name}' failed: {failure}")
            return self.out
        leaves = act.flatten(result.get("actions") or [])
        problem = self._check_determinism(leaves)
        if problem:
            self._fail(f"Non-Deterministic workflow detected: {problem}")
            return self.out
        if failure is not None:
            # The C# shim still issues the actions of the failed replay: new activities and
            # sub-orchestrations start (their results are discarded), then the instance fails.
            self._schedule_new(leaves)
            self._fail(f"Orchestrator function '{name}' failed: {failure}", keep_started_work=True)
            return self.out
        unknown = self._schedule_new(leaves)
        if unknown:
            self._fail(f"Orchestrator function '{name}' failed: {unknown}")
            return self.out
        too_big = self._set_custom_status(result)
        if too_big:
            self._fail(f"Orchestrator function '{name}' failed: {too_big}")
            return self.out
        if result.get("isDone") and self._may_complete(result, leaves):
            can = next((leaf for leaf in reversed(leaves) if leaf.type == act.CONTINUE_AS_NEW), None)
            if can is not None:
                self._continue_as_new(can.action.get("input"))
            else:
                output = result.get("output")
                self._finish(RuntimeStatus.Completed, compact(output) if output is not None else None)
            return self.out
        self._close_episode()
        return self.out

    # -- bookkeeping of delivered events ---------------------------------------------------
    def _process_new_events(self) -> None:
        for ev in self.new_events:
            etype = ev["EventType"]
            if etype in (EventType.TaskCompleted, EventType.SubOrchestrationInstanceCompleted):
                self._close_task(ev.get("TaskScheduledId"))
            elif etype in (EventType.TaskFailed, EventType.SubOrchestrationInstanceFailed):
                task = self._close_task(ev.get("TaskScheduledId"))
                if task is not None and self.state["leaves"][task["leaf"]].get("retry"):
                    self._retry_timer(task["leaf"])
            elif etype == EventType.TimerFired:
                task = self._close_task(ev.get("TimerId"))
                if task is not None and task.get("role") == "retrytimer":
                    self._retry_attempt(task["leaf"])
            elif etype == EventType.EventRaised:
                key = str(ev.get("Name") or "").lower()
                self.state["raised"][key] = self.state["raised"].get(key, 0) + 1

    def _close_task(self, task_id: Any) -> dict[str, Any] | None:
        task = self.state["tasks"].get(str(task_id))
        if task is None or not task.get("open"):
            return None
        task["open"] = False
        return task

    def _allocate(self, leaf_index: int, role: str) -> int:
        task_id = int(self.state["next_id"])
        self.state["next_id"] = task_id + 1
        self.state["tasks"][str(task_id)] = {"leaf": leaf_index, "role": role, "open": True}
        self.state["leaves"][leaf_index].setdefault("ids", []).append(task_id)
        return task_id

    def _retry_timer(self, leaf_index: int) -> None:
        leaf = self.state["leaves"][leaf_index]
        retry = leaf["retry"]
        if retry["attempts"] < retry["max"]:
            # DTFx: first * backoff^(retry number), capped at the maximum interval.
            delay = retry["interval"] * retry.get("backoff", 1.0) ** (retry["attempts"] - 1)
            delay = min(delay, retry.get("max_interval", MAX_RETRY_INTERVAL_MS))
        else:
            delay = 0  # the final "dummy" timer fires at once (current DTFx)
        fire_at = self.now + timedelta(milliseconds=delay)
        task_id = self._allocate(leaf_index, "retrytimer")
        self._add_timer(task_id, fire_at)

    def _retry_attempt(self, leaf_index: int) -> None:
        leaf = self.state["leaves"][leaf_index]
        retry = leaf["retry"]
        if retry["attempts"] >= retry["max"]:
            return  # the SDK now fails the task with the last error
        retry["attempts"] += 1
        task_id = self._allocate(leaf_index, "attempt")
        if leaf["kind"] == "suborchestration":
            self._start_sub(task_id, leaf, explicit_id=leaf.get("instance_id"))
        else:
            self._start_activity(task_id, leaf)

    # -- determinism and scheduling --------------------------------------------------------
    def _check_determinism(self, leaves: list[act.Leaf]) -> str | None:
        stored = self.state["leaves"]
        for i, old in enumerate(stored):
            first_id = (old.get("ids") or [None])[0]
            if i >= len(leaves):
                if old["kind"] in ("wait", "continue"):
                    continue
                return (
                    f"A previous execution of this orchestration scheduled {act.describe(old['kind'])} with"
                    f" sequence ID {first_id} and name '{old['name']}' (version ''), but the current"
                    " replay execution hasn't (yet?) scheduled this task. Was a change made to the"
                    " orchestrator code after this instance had already started running?"
                )
            new = leaves[i]
            if new.kind != old["kind"] or (
                old["kind"] not in ("wait",) and new.name.lower() != str(old["name"]).lower()
            ):
                return (
                    f"A previous execution of this orchestration scheduled {act.describe(old['kind'])} with"
                    f" sequence number {first_id} named '{old['name']}', but the current orchestration"
                    f" replay instead produced {act.describe(new.kind)} named '{new.name}'. Was a change"
                    " made to the orchestrator code after this instance had already started running?"
                )
            if new.type == act.CREATE_TIMER and new.action.get("isCanceled"):
                for tid in old.get("ids") or []:
                    task = self.state["tasks"].get(str(tid))
                    if task is not None and task.get("role") == "timer":
                        task["canceled"] = True
        return None

    def _schedule_new(self, leaves: list[act.Leaf]) -> str | None:
        for leaf in leaves[len(self.state["leaves"]) :]:
            unknown = self._unknown_function(leaf)
            if unknown:
                return unknown
            self._schedule(leaf)
        return None

    def _unknown_function(self, leaf: act.Leaf) -> str | None:
        if (
            leaf.type in (act.CALL_ACTIVITY, act.CALL_ACTIVITY_RETRY)
            and self.index.activity(leaf.name) is None
        ):
            known = ", ".join(f"'{e.durable_name}'" for e in self.index.activities.values())
            return (
                f"The function '{leaf.name}' doesn't exist, is disabled, or is not an activity function."
                f" Additional info: The following are the known activity functions: {known}."
            )
        if leaf.type in (act.CALL_SUB, act.CALL_SUB_RETRY) and self.index.orchestrator(leaf.name) is None:
            known = ", ".join(f"'{e.durable_name}'" for e in self.index.orchestrators.values())
            return (
                f"The function '{leaf.name}' doesn't exist, is disabled, or is not an orchestrator"
                f" function. Additional info: The following are the known orchestrator functions: {known}."
            )
        return None

    def _schedule(self, leaf: act.Leaf) -> None:
        action = leaf.action
        record: dict[str, Any] = {"kind": leaf.kind, "name": leaf.name, "type": leaf.type, "ids": []}
        options = action.get("retryOptions")
        if leaf.type in (act.CALL_ACTIVITY_RETRY, act.CALL_SUB_RETRY) and options:
            record["retry"] = {
                "max": int(options.get("maxNumberOfAttempts") or 1),
                "interval": int(options.get("firstRetryIntervalInMilliseconds") or 0),
                "attempts": 1,
                # C# also understands these; the Python SDK never sends them (§3.4).
                "backoff": float(options.get("backoffCoefficient") or 1.0),
                "max_interval": int(options.get("maxRetryIntervalInMilliseconds") or MAX_RETRY_INTERVAL_MS),
            }
        record["input"] = action.get("input")
        self.state["leaves"].append(record)
        index = len(self.state["leaves"]) - 1
        if not leaf.consumes_id:
            return
        if leaf.kind == "timer":
            task_id = self._allocate(index, "timer")
            fire_at = parse_timestamp(str(action.get("fireAt")))
            if action.get("isCanceled"):
                self.state["tasks"][str(task_id)]["canceled"] = True
            self._add_timer(task_id, fire_at)
        elif leaf.kind == "suborchestration":
            record["instance_id"] = action.get("instanceId")
            record["version"] = action.get("version")
            self._start_sub(self._allocate(index, "attempt"), record, explicit_id=action.get("instanceId"))
        elif leaf.type == act.CALL_HTTP:
            task_id = self._allocate(index, "attempt")
            record["input"] = compact(action.get("httpRequest"))
            self.scheduled.append(hist.task_scheduled(self.now, task_id, act.HTTP_ACTIVITY, record["input"]))
            self.out.work_items.append(WorkItem(task_id, "http", act.HTTP_ACTIVITY, record["input"]))
        elif leaf.kind == "event":
            self._send_entity_request(self._allocate(index, "entity"), leaf)
        else:
            self._start_activity(self._allocate(index, "attempt"), record)

    def _add_timer(self, task_id: int, fire_at: datetime) -> None:
        self.scheduled.append(hist.timer_created(self.now, task_id, fire_at))
        fired = hist.timer_fired(fire_at, task_id, dotnet_timestamp(fire_at))
        self.out.messages.append(
            NewMessage(self.row["instance_id"], fired, self.row["execution_id"], epoch(fire_at))
        )

    def _start_activity(self, task_id: int, record: dict[str, Any]) -> None:
        self.scheduled.append(hist.task_scheduled(self.now, task_id, record["name"], record.get("input")))
        self.out.work_items.append(WorkItem(task_id, "activity", record["name"], record.get("input")))

    def _start_sub(self, task_id: int, record: dict[str, Any], explicit_id: str | None) -> None:
        child_id = explicit_id or f"{self.row['execution_id']}:{task_id}"
        input_text = record.get("input")
        input_json = compact(input_text) if input_text is not None else None
        self.scheduled.append(hist.sub_created(self.now, task_id, record["name"], child_id, input_json))
        entry = self.index.orchestrator(record["name"])
        name = entry.durable_name if entry and entry.durable_name else record["name"]
        parent = {
            "instance_id": self.row["instance_id"],
            "execution_id": self.row["execution_id"],
            "name": self.row["name"],
            "task_id": task_id,
        }
        # No version on the action: the extension stamps host.json's defaultVersion
        # (DurableOrchestrationContext.CallDurableTaskFunctionAsync, reference §6).
        version = record.get("version")
        if version is None:
            version = self.default_version
        self.out.new_instances.append(
            new_instance_row(child_id, name, input_json, self.now, parent=parent, version=version)
        )

    def _send_entity_request(self, task_id: int, leaf: act.Leaf) -> None:
        action = leaf.action
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.row['execution_id']}:{task_id}"))
        request = {
            "id": request_id,
            "op": action.get("operation"),
            "signal": leaf.type == act.SIGNAL_ENTITY,
            "input": action.get("input"),
            "parent": self.row["instance_id"],
            "parentExecution": self.row["execution_id"],
        }
        target = str(action.get("instanceId"))
        self.scheduled.append(hist.event_sent(self.now, task_id, target, "op", compact(request)))
        self.out.work_items.append(WorkItem(task_id, "entity", target, compact(request)))

    # -- completion ------------------------------------------------------------------------
    def _set_custom_status(self, result: dict[str, Any]) -> str | None:
        if "customStatus" not in result or result.get("customStatus") is None:
            self.row["custom_status"] = None
            return None
        text = compact(result["customStatus"])
        size_kb = (len(text.encode("utf-16-le")) // 2) * 2 // 1024
        if size_kb > CUSTOM_STATUS_LIMIT_KB:
            return (
                "The UTF-16 size of the JSON-serialized payload must not exceed 16 KB."
                f" The current payload size is {size_kb} KB."
            )
        self.row["custom_status"] = text
        return None

    def _may_complete(self, result: dict[str, Any], leaves: list[act.Leaf]) -> bool:
        """§2.6: no open DTFx task, and every top-level action satisfiable on the C# side."""
        for task in self.state["tasks"].values():
            if task.get("open") and not task.get("canceled") and task.get("role") != "entity":
                return False
        ordinal: dict[str, int] = {}
        satisfied: dict[int, bool] = {}
        for leaf in leaves:
            if leaf.type == act.WAIT_EVENT:
                key = leaf.name.lower()
                ordinal[key] = ordinal.get(key, 0) + 1
                satisfied[id(leaf.action)] = ordinal[key] <= self.state["raised"].get(key, 0)

        def ok(action: dict[str, Any]) -> bool:
            atype = int(action.get("actionType", -1))
            if atype == act.WHEN_ALL:
                return all(ok(c) for c in action.get("compoundActions") or [])
            if atype == act.WHEN_ANY:
                return any(ok(c) for c in action.get("compoundActions") or [])
            return satisfied.get(id(action), True)

        return all(ok(a) for a in act.top_level(result.get("actions") or []))

    def _close_episode(self) -> None:
        self.row["last_updated"] = epoch(self.now)
        played = [dict(e, IsPlayed=e["EventType"] != EventType.OrchestratorStarted) for e in self.new_events]
        self.out.append = played + self.scheduled + [hist.orchestrator_completed(self.now)]

    def _finish(self, status: RuntimeStatus, output: str | None, completion_id: int | None = None) -> None:
        if completion_id is None:
            completion_id = int(self.state["next_id"])
            self.state["next_id"] = completion_id + 1
        self.scheduled.append(hist.execution_completed(self.now, completion_id, status, output))
        self.row["status"] = status.name
        self.row["output"] = output
        self.out.terminal = True
        self._close_episode()
        self._notify_parent(status, output)

    def _fail(self, message: str, keep_started_work: bool = False) -> None:
        if not keep_started_work:
            self.scheduled = []
            self.out.work_items = []
            self.out.new_instances = []
        self.out.messages = []  # timers and the like of a failed instance never fire
        self._finish(RuntimeStatus.Failed, compact(message))

    def _notify_parent(self, status: RuntimeStatus, output: str | None) -> None:
        parent = self.row.get("parent")
        if not parent:
            return
        if status == RuntimeStatus.Completed:
            ev = hist.sub_completed(self.now, parent["task_id"], output)
        else:
            reason = json.loads(output) if output else ""
            ev = hist.sub_failed(self.now, parent["task_id"], str(reason), None)
        self.out.messages.append(NewMessage(parent["instance_id"], ev, parent["execution_id"]))

    def _continue_as_new(self, input_text: str | None) -> None:
        execution_id = new_execution_id()
        input_json = compact(input_text) if input_text is not None else None
        self.row.update(
            execution_id=execution_id,
            status="ContinuedAsNew",
            input=input_json,
            output=None,
            state=empty_state(),
            last_updated=epoch(self.now),
        )
        self.out.reset_history = True
        self.out.append = []
        started = hist.execution_started(
            self.now,
            name=self.row["name"],
            instance_id=self.row["instance_id"],
            execution_id=execution_id,
            input_json=input_json,
            parent=parent_ref(self.row.get("parent")),
            version=self._version(),
        )
        self.out.messages.append(NewMessage(self.row["instance_id"], started, execution_id))

    def version(self) -> str:
        """The orchestration version of this execution (``ExecutionStarted.Version``)."""
        return self._version()

    def fail_now(self, message: str) -> Outbox:
        """Fail the instance without running the orchestrator (versionFailureStrategy ``Fail``)."""
        self._fail(message)
        return self.out

    def _version(self) -> str:
        """The orchestration version of this execution (``ExecutionStarted.Version``)."""
        for ev in self.old + self.new_events:
            if ev["EventType"] == EventType.ExecutionStarted:
                return str(ev.get("Version") or "")
        return ""


def _parse_reply(reply: str | None, error: BaseException | None) -> tuple[dict[str, Any] | None, str | None]:
    """Return (orchestrator state, failure text) from the handle's return value or exception."""
    if error is None:
        try:
            return json.loads(reply or "{}"), None
        except ValueError as exc:
            return None, f"invalid orchestrator reply: {exc}"
    text = str(error)
    if OUT_OF_PROC_LABEL in text:
        _, _, payload = text.partition(OUT_OF_PROC_LABEL)
        try:
            state = json.loads(payload)
            return state, str(state.get("error") or text.split("\n\n" + OUT_OF_PROC_LABEL)[0])
        except ValueError:
            pass
    return None, text or type(error).__name__


def _is_json(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    try:
        json.loads(text)
        return True
    except ValueError:
        return False
