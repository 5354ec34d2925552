"""ASR jobs: tasks that progress over simulated time, computed lazily from the clock.

A job is a list of tasks run one after the other. Each task has a duration (fixed, or
computed when the task starts, e.g. from the data to move), optional effects at its
start and end (they run at the exact simulated moment), and flags:

- ``manual``: a manual-action task; the job is ``Suspended`` on it until ``resume``;
- ``data_sync``: data is being synchronised while it runs (cancelling then corrupts, H10);
- ``provider``: the on-prem host/VMM it needs; if that provider is disconnected before the
  task ends, the task fails at the moment of disconnection.

``Job.advance(now)`` replays everything that happened up to ``now``; the world calls it
on every request, so a virtual-clock jump progresses jobs.

Extension point: build ``Task`` objects (with ``on_start``/``on_end`` effects) and pass
them to ``World.start_job``; subclass nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator.models.base import iso, new_guid
from simulator.models.tasks import TASK_IDS, Duration, Effect, Task, TaskContext, TaskFailed, task_id_for

if TYPE_CHECKING:
    from simulator.models.world import World

__all__ = [
    "ACTIVE_STATES",
    "TASK_IDS",
    "TERMINAL_STATES",
    "Duration",
    "Effect",
    "Job",
    "Task",
    "TaskContext",
    "TaskFailed",
    "task_id_for",
]

# R55: a cancelled job shows ``Cancelling`` before it ends ``Cancelled``
ACTIVE_STATES = ("NotStarted", "InProgress", "Suspended", "Cancelling")
TERMINAL_STATES = ("Succeeded", "Failed", "Cancelled")


class Job:
    """An ASR job (``replicationJobs/{name}``).

    Args:
        world: the world it belongs to.
        scenario_name: ASR scenario (``PlannedFailover``, ``Commit``, ...).
        friendly_name: portal text.
        tasks: its tasks, in order.
        target: the object it acts on; must have ``name``, ``friendly_name``, ``arm_id`` and
            ``target_instance_type``; hooks ``job_succeeded/job_failed/job_cancelled(job, at)``
            are called on it when present.
        start: when it starts.
        resource_uri: ARM id whose ``operationresults`` return the final body.
        custom_details: ``customDetails`` of the job.
    """

    def __init__(
        self,
        world: World,
        scenario_name: str,
        friendly_name: str,
        tasks: list[Task],
        target: Any,
        start: datetime,
        resource_uri: str,
        custom_details: dict[str, Any] | None = None,
    ) -> None:
        self.world = world
        self.name = new_guid()
        self.activity_id = f"{new_guid()} ActivityId: {new_guid()}"
        self.scenario_name = scenario_name
        self.friendly_name = friendly_name
        self.tasks = tasks
        self.target = target
        self.start_time = start
        self.end_time: datetime | None = None
        self.state = "InProgress"
        self.state_description = "InProgress"
        self.errors: list[dict[str, Any]] = []
        self.resource_uri = resource_uri
        self.custom_details = custom_details or {"instanceType": "AsrJobDetails"}
        self._cursor = start
        self._resume_at: datetime | None = None
        self.resume_comments: str | None = None
        self.cancelled_during_sync = False
        self.restarted_as: str | None = None
        #: G3 ``resume_job=new``: the job the work continued in after a resume
        self.resumed_as: str | None = None
        #: R36: set once from the POST that started the job (``lro.accepted``)
        self.activity_echoed = False
        self._cancel_at: datetime | None = None
        self.data_mb = 0.0

    # --- identity -----------------------------------------------------------------------------
    @property
    def arm_id(self) -> str:
        """ARM id of the job."""
        return f"{self.world.vault_id}/replicationJobs/{self.name}"

    @property
    def target_object_id(self) -> str:
        """R32/R35/R57: the target's internal id (an item's VM id), not its ARM name."""
        return str(getattr(self.target, "target_object_id", None) or self.target.name)

    @property
    def waiting_for_action(self) -> bool:
        """True while a manual task waits for ``resume`` (G1: the job itself may read InProgress)."""
        return self.active and any(t.manual and t.state == "Suspended" for t in self.tasks)

    @property
    def active(self) -> bool:
        """True while the job has not reached a terminal state."""
        return self.state in ACTIVE_STATES

    def current_task(self) -> Task | None:
        """The task running, suspended or failed; None when none started or all done."""
        for task in self.tasks:
            if task.state in ("InProgress", "Suspended", "Failed", "Cancelled"):
                return task
        return None

    @property
    def data_sync_in_progress(self) -> bool:
        """True while a data synchronisation task runs (H10)."""
        task = self.current_task()
        return bool(task and task.data_sync and task.state == "InProgress")

    # --- progression --------------------------------------------------------------------------
    def advance(self, now: datetime) -> None:
        """Replay the job up to ``now``: start, finish, suspend or fail tasks."""
        guard = 0
        while self.active and guard < 1000:
            guard += 1
            if self.state == "Cancelling":  # R55: Cancelling, then Cancelled
                if self._cancel_at is None or self._cancel_at > now:
                    return
                self._finish("Cancelled", "Cancelled", self._cancel_at)
                return
            task = next((t for t in self.tasks if t.state not in ("Succeeded", "Skipped")), None)
            if task is None:
                self._finish("Succeeded", "Completed", self._cursor)
                return
            if task.state == "NotStarted" and not self._start_task(task, now):
                return
            if task.state == "Suspended":
                if self._resume_at is None or self._resume_at > now:
                    return
                self._complete_task(task, self._resume_at)
                self._resume_at = None
                continue
            if not self._run_task(task, now):
                return

    def _start_task(self, task: Task, now: datetime) -> bool:
        if self._cursor > now:
            return False
        task.start_time = self._cursor
        task.state = "InProgress"
        task.state_description = "InProgress"
        ctx = TaskContext(self.world, self, task, self._cursor)
        try:
            if task.on_start:
                task.on_start(ctx)
            task.seconds_total = float(task.duration(ctx) if callable(task.duration) else task.duration)
            task.injected = self.world.faults.job_failure_for(self, task)
        except TaskFailed as failure:
            self._fail(task, failure, self._cursor)
            return False
        if task.manual:
            task.state = "Suspended"
            task.state_description = "WaitingForManualAction"
            if self.world.profile.failback_wait == "suspended":
                # G1 ``suspended``: the whole job reads Suspended; ``inprogress``: only the task does
                self.state = "Suspended"
                self.state_description = "WaitingForManualAction"
        return True

    def _run_task(self, task: Task, now: datetime) -> bool:
        assert task.start_time is not None
        end = task.start_time + timedelta(seconds=task.seconds_total)
        outage = task.provider.disconnected_between(task.start_time, end) if task.provider else None
        if outage is not None and outage <= now:
            self._fail(task, self.world.provider_lost_error(task.provider), outage)
            return False
        if now < end:
            return False
        if task.injected is not None:
            self._fail(task, task.injected, end)
            return False
        self._complete_task(task, end)
        return self.active

    def _complete_task(self, task: Task, at: datetime) -> None:
        ctx = TaskContext(self.world, self, task, at)
        try:
            if task.on_end:
                task.on_end(ctx)
        except TaskFailed as failure:
            self._fail(task, failure, at)
            return
        task.state = "Succeeded"
        task.state_description = "Completed"
        task.end_time = at
        self._cursor = at
        if self.state == "Suspended":
            self.state = "InProgress"
            self.state_description = "InProgress"

    def _fail(self, task: Task, failure: TaskFailed, at: datetime) -> None:
        error = {
            "serviceErrorDetails": {
                "code": failure.code,
                "message": failure.message,
                "possibleCauses": failure.possible_causes,
                "recommendedAction": failure.recommended_action,
                "activityId": self.activity_id,
            },
            "providerErrorDetails": None,
            "errorLevel": "Error",
            "creationTime": iso(at),
            "taskId": task.task_id,
        }
        task.state = "Failed"
        task.state_description = "Failed"
        task.end_time = at
        task.errors.append(error)
        self.errors.append(error)
        self._finish("Failed", "Failed", at)

    def _finish(self, state: str, description: str, at: datetime) -> None:
        self.state = state
        self.state_description = description
        self.end_time = at
        self._cursor = at
        hook = {"Succeeded": "job_succeeded", "Failed": "job_failed", "Cancelled": "job_cancelled"}[state]
        callback = getattr(self.target, hook, None)
        if callback is not None and self.resumed_as is None:  # a handed-over job's outcome is the new one's
            callback(self, at)
        self.world.job_finished(self)

    # --- actions ------------------------------------------------------------------------------
    def allowed_actions(self) -> list[str]:
        """What can be done to the job now (``Cancel``, ``Resume``, ``Restart``)."""
        if self.state == "Cancelling":
            return []  # R55
        if self.waiting_for_action:
            return ["Cancel", "Resume"]
        if self.state in ("NotStarted", "InProgress"):
            return ["Cancel"]
        if (
            self.state == "Failed"
            and self.restarted_as is None
            and getattr(self.target, "restartable", False)
        ):
            return ["Restart"]
        return []

    def resume(self, at: datetime, comments: str | None) -> Job:
        """Resume a job waiting on its manual task (completed at ``at``); the job that goes on.

        G3: with profile ``resume_job=new`` the tasks after the manual one run in a new job, which
        the target's ``currentScenario`` then names; this job ends ``Succeeded``.
        """
        self._resume_at = at
        self.resume_comments = comments
        if self.world.profile.resume_job != "new":
            self.advance(at)
            return self
        manual = next(t for t in self.tasks if t.manual and t.state == "Suspended")
        rest = self.tasks[self.tasks.index(manual) + 1 :]
        self.tasks = self.tasks[: self.tasks.index(manual) + 1]
        successor = Job(
            self.world,
            self.scenario_name,
            self.friendly_name,
            rest,
            self.target,
            at,
            self.resource_uri,
            self.custom_details,
        )
        self.resumed_as = successor.name
        self.world.jobs[successor.name.lower()] = successor
        attach = getattr(self.target, "attach_job", None)
        if attach is not None:
            attach(successor)
        self.advance(at)
        successor.advance(at)
        return successor

    def cancel(self, at: datetime) -> None:
        """Cancel the job at ``at``; cancelling during data synchronisation is recorded (H10).

        R55: the job reads ``Cancelling`` (no allowed actions) for ``rates.cancel_s``, then ends
        ``Cancelled``; what the cancel undoes happens then.
        """
        task = self.current_task()
        if task is not None and task.state in ("InProgress", "Suspended"):
            self.cancelled_during_sync = task.data_sync and task.state == "InProgress"
            task.state = "Cancelled"
            task.state_description = "Cancelled"
            task.end_time = at
        for rest in self.tasks:
            if rest.state == "NotStarted":
                rest.state_description = "Skipped"
        self.state = "Cancelling"
        self.state_description = "Cancelling"
        self._cancel_at = at + timedelta(seconds=self.world.rates.cancel_s)
        self.advance(at)

    # --- views --------------------------------------------------------------------------------
    def percent(self, now: datetime) -> int | None:
        """Overall progress in percent, by finished tasks plus the running one."""
        if not self.tasks:
            return None
        if self.state == "Succeeded":
            return 100
        done = sum(1 for t in self.tasks if t.state == "Succeeded")
        running = self.current_task()
        part = (running.percent(now) or 0) / 100 if running else 0
        return int(100 * (done + part) / len(self.tasks))

    def to_arm(self, now: datetime, with_tasks: bool = True) -> dict[str, Any]:
        """The job as ASR returns it (``tasks`` empty in lists, as the service does)."""
        props: dict[str, Any] = {
            "activityId": self.activity_id,
            "scenarioName": self.scenario_name,
            "friendlyName": self.friendly_name,
            "state": self.state,
            "stateDescription": self.state_description,
            "tasks": [t.to_arm(now) for t in self.tasks] if with_tasks else [],
            "errors": self.errors,
            "startTime": iso(self.start_time),
            "allowedActions": self.allowed_actions(),
            "targetObjectId": self.target_object_id,  # R32/R35/R57
            "targetObjectName": self.target.friendly_name,
            "targetInstanceType": self.target.target_instance_type,
            "customDetails": self.custom_details,
        }
        if self.end_time is not None:
            props["endTime"] = iso(self.end_time)
        return {
            "id": self.arm_id,
            "name": self.name,
            "type": "Microsoft.RecoveryServices/vaults/replicationJobs",
            "location": None,
            "properties": props,
        }

    def operation_status(self) -> dict[str, Any]:
        """Body of ``replicationOperationStatus/{jobName}`` (Suspended reads as InProgress)."""
        status = {"Succeeded": "Succeeded", "Failed": "Failed", "Cancelled": "Canceled"}.get(
            self.state, "InProgress"
        )
        error = None
        if self.state == "Failed" and self.errors:
            details = self.errors[-1]["serviceErrorDetails"]
            error = {"code": details["code"], "message": details["message"]}
        elif self.state == "Cancelled":
            error = {"code": "JobCancelled", "message": f"The job '{self.friendly_name}' was cancelled."}
        return {
            "error": error,
            "id": None,
            "name": self.name,
            "properties": None,
            "status": status,
            "startTime": iso(self.start_time),
            "endTime": iso(self.end_time),
            "percentComplete": None,
        }

    def snapshot(self, now: datetime) -> dict[str, Any]:
        """State for ``GET /_sim/state``."""
        return {
            "name": self.name,
            "scenarioName": self.scenario_name,
            "state": self.state,
            "target": self.target.name,
            "startTime": iso(self.start_time),
            "endTime": iso(self.end_time),
            "dataMB": round(self.data_mb, 3),
            "percent": self.percent(now),
            "tasks": [
                {
                    "name": t.name,
                    "state": t.state,
                    "startTime": iso(t.start_time),
                    "endTime": iso(t.end_time),
                    "seconds": t.seconds_total,
                    "dataMB": round(t.data_mb, 3),
                }
                for t in self.tasks
            ],
        }
