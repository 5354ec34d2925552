"""The tasks of an ASR job: what each step is, how long it takes, what it does (``simulator.models.jobs``).

R52: an item job's task ``taskId`` is a fixed code and its ``name`` another code; R53: times that
never happened are ``0001-01-01T00:00:00``; R54: ``groupTaskCustomDetails`` is ``null``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.models.base import UNSET_TIME, iso, seconds

if TYPE_CHECKING:
    from simulator.models.fabrics import Provider
    from simulator.models.jobs import Job
    from simulator.models.world import World


class TaskFailed(Exception):  # noqa: N818 - reads as an event, like ASR's own wording
    """Raised by a task effect to fail the job with an ASR-style error.

    Args:
        code: ASR error code (string, e.g. ``"70094"``).
        message: error message.
        possible_causes: why it may have happened.
        recommended_action: what to do about it.
    """

    def __init__(
        self, code: str, message: str, possible_causes: str = "", recommended_action: str = ""
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.possible_causes = possible_causes
        self.recommended_action = recommended_action


@dataclass
class TaskContext:
    """What a task effect gets: the world, the job, the task and the simulated moment."""

    world: World
    job: Job
    task: Task
    at: datetime

    def moved(self, mb: float) -> None:
        """Account ``mb`` MB of data moved by the task (and so by its job)."""
        self.task.data_mb += mb
        self.job.data_mb += mb


Effect = Callable[[TaskContext], None]
Duration = Callable[[TaskContext], float]

#: R52: an item job's task ``taskId`` is a fixed code and its ``name`` another code. Known pairs
#: (recorded: the first three); for the others (G5) the code is the name plus ``Task``.
TASK_IDS = {
    "VmPfoPrerequisitesCheck": "PlannedFailoverPreflightChecksTask",
    "VmPrepareForFailover": "PrepareForFailoverTask",
    "VmFailover": "FailoverTask",
}


def task_id_for(name: str) -> str:
    """The ``taskId`` code of a task called ``name`` (R52)."""
    return TASK_IDS.get(name, name if name.endswith("Task") else f"{name}Task")


@dataclass
class Task:
    """One step of a job.

    Attributes:
        name: ASR task name (e.g. ``VmPfoPrerequisitesCheck``).
        friendly_name: the text the portal shows.
        duration: seconds, or a function of the context evaluated when the task starts.
        on_start: effect at the start.
        on_end: effect at the end (may raise ``TaskFailed``).
        manual: manual action: the job suspends here until resumed.
        data_sync: data synchronisation runs during this task.
        provider: on-prem provider the task needs connected.
    """

    name: str
    friendly_name: str
    duration: float | Duration = 0.0
    on_start: Effect | None = None
    on_end: Effect | None = None
    manual: bool = False
    data_sync: bool = False
    provider: Provider | None = None
    task_id: str = ""
    state: str = "NotStarted"
    state_description: str = "NotStarted"
    start_time: datetime | None = None
    end_time: datetime | None = None
    seconds_total: float = 0.0
    errors: list[dict[str, Any]] = field(default_factory=list)
    data_mb: float = 0.0
    injected: TaskFailed | None = None

    def __post_init__(self) -> None:
        if not self.task_id:
            self.task_id = task_id_for(self.name)  # R52: fixed codes, not GUIDs

    def percent(self, now: datetime) -> int | None:
        """Progress of a running task in percent (None when not running)."""
        if self.state != "InProgress" or self.start_time is None or self.manual:
            return None
        if self.seconds_total <= 0:
            return 0
        return max(0, min(99, int(100 * seconds(self.start_time, now) / self.seconds_total)))

    def to_arm(self, now: datetime) -> dict[str, Any]:
        """The task as ASR returns it in a job."""
        return {
            "taskId": self.task_id,
            "name": self.name,
            "friendlyName": self.friendly_name,
            "startTime": iso(self.start_time) if self.start_time else UNSET_TIME,
            "endTime": iso(self.end_time) if self.end_time else UNSET_TIME,
            "allowedActions": ["Resume"] if self.manual and self.state == "Suspended" else [],
            "state": self.state,
            "stateDescription": self.state_description,
            "taskType": "ManualActionTaskDetails" if self.manual else "TaskDetails",
            "customDetails": {"instanceType": "ManualActionTaskDetails" if self.manual else "TaskDetails"},
            "groupTaskCustomDetails": None,  # R54: sent as null
            "errors": self.errors,
        }
