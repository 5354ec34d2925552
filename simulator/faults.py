"""Fault injection: HTTP faults, job failures at a named task, host disconnects at a moment.

HTTP faults are matched by method + path regex.

HTTP fault kinds:

- ``throttle``: 429 with ``Retry-After`` (seconds) and an ARM ``TooManyRequests`` envelope;
- ``status``: any status (e.g. 500, 503) with an ARM error envelope;
- ``slow``: wait ``delay_seconds`` real seconds, then answer normally;
- ``drop``: close the connection without answering.

Each applies to the next ``count`` matching requests (``count: null`` = until cleared);
nothing is random. With ``after: true`` the request is handled first and only its answer is
replaced (``status``/``throttle``) or lost (``drop``): the operation happened, the client
does not know.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.errors import bad_request
from simulator.models.jobs import TaskFailed

if TYPE_CHECKING:
    from simulator.models.jobs import Job, Task
    from simulator.models.world import World

HTTP_KINDS = ("throttle", "status", "slow", "drop")
_ids = itertools.count(1)


@dataclass
class HttpFault:
    """A fault applied to matching HTTP requests."""

    kind: str
    method: str = ".*"
    path: str = ".*"
    status: int = 503
    retry_after: int = 1
    delay_seconds: float = 0.0
    count: int | None = 1
    code: str = ""
    message: str = ""
    after: bool = False
    id: int = field(default_factory=lambda: next(_ids))
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """True when the request's method and path match (regex search, case-insensitive)."""
        return bool(
            re.fullmatch(self.method, method, re.IGNORECASE) and re.search(self.path, path, re.IGNORECASE)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class JobFault:
    """Fail the next job(s) that reach ``task`` (optionally only for one VM)."""

    task: str
    vm: str | None = None
    code: str = "70094"
    message: str = ""
    count: int | None = 1
    id: int = field(default_factory=lambda: next(_ids))
    hits: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {"kind": "job_failure", **{k: v for k, v in self.__dict__.items()}}


class FaultSet:
    """The faults in force."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.http: list[HttpFault] = []
        self.jobs: list[JobFault] = []
        self.timed: list[dict[str, Any]] = []

    def add(self, world: World, spec: dict[str, Any]) -> dict[str, Any]:
        """Register a fault from its control-API JSON; return its JSON view (with ``id``)."""
        kind = spec.get("kind")
        count = spec.get("count", 1)
        if kind in HTTP_KINDS:
            fault = HttpFault(
                kind=str(kind),
                method=str(spec.get("method", ".*")),
                path=str(spec.get("path", ".*")),
                status=int(spec.get("status", 429 if kind == "throttle" else 503)),
                retry_after=int(spec.get("retry_after", 1)),
                delay_seconds=float(spec.get("delay_seconds", 0.0)),
                count=None if count is None else int(count),
                code=str(spec.get("code", "")),
                message=str(spec.get("message", "")),
                after=bool(spec.get("after", False)),
            )
            re.compile(fault.method)
            re.compile(fault.path)
            with self._lock:
                self.http.append(fault)
            return fault.to_dict()
        if kind == "job_failure":
            if not spec.get("task"):
                raise bad_request("A job_failure fault needs 'task' (the ASR task name).")
            job_fault = JobFault(
                task=str(spec["task"]),
                vm=spec.get("vm"),
                code=str(spec.get("code", "70094")),
                message=str(spec.get("message", "")),
                count=None if count is None else int(count),
            )
            with self._lock:
                self.jobs.append(job_fault)
            return job_fault.to_dict()
        if kind == "host_disconnect":
            return self._host_disconnect(world, spec)
        raise bad_request(
            f"Unknown fault kind '{kind}'. Known: {', '.join(HTTP_KINDS)}, job_failure, host_disconnect."
        )

    def _host_disconnect(self, world: World, spec: dict[str, Any]) -> dict[str, Any]:
        from datetime import timedelta

        from simulator.models.base import iso, parse_time

        provider = world.provider_by_name(str(spec.get("host", "")))
        if spec.get("at"):
            at: datetime = parse_time(str(spec["at"]))
        else:
            at = world.now() + timedelta(seconds=float(spec.get("after_seconds", 0)))
        provider.disconnect_at = at
        record = {"kind": "host_disconnect", "host": provider.name, "at": iso(at), "id": next(_ids)}
        self.timed.append(record)
        return record

    def match_http(self, method: str, path: str) -> HttpFault | None:
        """The first fault matching the request, consuming one of its counts."""
        with self._lock:
            for fault in self.http:
                if fault.matches(method, path):
                    fault.hits += 1
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self.http.remove(fault)
                    return fault
        return None

    def job_failure_for(self, job: Job, task: Task) -> TaskFailed | None:
        """The failure injected for ``task`` of ``job`` (consumes a count), or None."""
        with self._lock:
            for fault in self.jobs:
                if fault.task.lower() != task.name.lower():
                    continue
                if fault.vm and fault.vm.lower() not in (
                    str(job.target.friendly_name).lower(),
                    str(job.target.name).lower(),
                ):
                    continue
                fault.hits += 1
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.jobs.remove(fault)
                return TaskFailed(
                    fault.code,
                    fault.message or f"The task '{task.friendly_name}' failed (injected fault).",
                    possible_causes="A fault was injected through the simulator's control API.",
                    recommended_action="Retry the operation.",
                )
        return None

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self.http.clear()
            self.jobs.clear()
            self.timed.clear()

    def to_dict(self) -> dict[str, Any]:
        """JSON view of the faults in force."""
        with self._lock:
            return {
                "http": [f.to_dict() for f in self.http],
                "jobs": [f.to_dict() for f in self.jobs],
                "timed": list(self.timed),
            }
