"""Log Analytics as the simulator answers it: Heartbeat and ASRJobs from the world, plus user checks.

A pragmatic matcher, not a KQL engine. Query forms understood (see README):

- user checks registered through ``POST /_sim/logs`` (exact text after collapsing whitespace,
  ``contains`` or ``regex``) win over everything else and answer a table, a partial result or
  a failure;
- ``Heartbeat`` + a quoted VM name: the on-prem VM's heartbeats (one a simulated minute while it
  runs and is healthy), since ``TimeGenerated > datetime(...)`` / ``>= datetime(...)`` /
  ``> ago(15m)`` and within the request's timespan; then ``| summarize arg_max(TimeGenerated, *)``,
  ``| summarize X = max(TimeGenerated) by Computer``, ``| summarize count()`` / ``| count``,
  ``| take N`` / ``| limit N``;
- ``ASRJobs``: rows of completed jobs (optionally narrowed by a quoted VM name or job id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator.models.base import iso, parse_time

if TYPE_CHECKING:
    from simulator.models.world import World

HEARTBEAT_COLUMNS = [
    ("TimeGenerated", "datetime"),
    ("Computer", "string"),
    ("Category", "string"),
    ("ComputerEnvironment", "string"),
    ("ComputerIP", "string"),
    ("OSType", "string"),
    ("ResourceProvider", "string"),
    ("ResourceType", "string"),
    ("Resource", "string"),
    ("SourceSystem", "string"),
]
ASRJOBS_COLUMNS = [
    ("TimeGenerated", "datetime"),
    ("JobUniqueId", "string"),
    ("OperationName", "string"),
    ("Status", "string"),
    ("ResultDescription", "string"),
    ("StartTime", "datetime"),
    ("EndTime", "datetime"),
    ("DurationMs", "long"),
    ("ReplicatedItemId", "string"),
    ("ReplicatedItemFriendlyName", "string"),
    ("ReplicationScenario", "string"),
    ("VaultName", "string"),
]
_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


class QueryFailure(Exception):  # noqa: N818 - a result kind, not a bug
    """A query that fails: the status and OneAPI error to answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """OneAPI error envelope."""
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innererror": {"code": self.code, "message": self.message},
            }
        }


@dataclass
class UserCheck:
    """A registered answer for a query."""

    query: str
    match: str
    table: dict[str, Any] | None
    partial_error: dict[str, Any] | None
    failure: dict[str, Any] | None

    def matches(self, query: str) -> bool:
        """Whether ``query`` is the one this check answers."""
        if self.match == "regex":
            return re.search(self.query, query, re.IGNORECASE | re.DOTALL) is not None
        if self.match == "contains":
            return _squash(self.query) in _squash(query)
        return _squash(self.query) == _squash(query)


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()


def _columns(spec: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": n, "type": t} for n, t in spec]


def parse_timespan(timespan: str | None, now: datetime) -> tuple[datetime | None, datetime]:
    """Turn the request's ``timespan`` (``PT3600.0S``, ``start/end``, ``start/PTnS``) into bounds."""
    if not timespan:
        return None, now

    def duration(text: str) -> timedelta:
        match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?", text)
        if not match:
            raise QueryFailure(400, "BadArgumentError", f"Invalid timespan '{timespan}'.")
        d, h, m, s = (float(x) if x else 0.0 for x in match.groups())
        return timedelta(days=d, hours=h, minutes=m, seconds=s)

    if "/" in timespan:
        first, second = timespan.split("/", 1)
        start = parse_time(first)
        end = start + duration(second) if second.startswith("P") else parse_time(second)
        return start, end
    return now - duration(timespan), now


class LogStore:
    """Answers Log Analytics queries for one workspace."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.checks: list[UserCheck] = []

    def register(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Register a user check (control API)."""
        check = UserCheck(
            query=str(spec["query"]),
            match=str(spec.get("match", "exact")),
            table=spec.get("table"),
            partial_error=spec.get("partial_error"),
            failure=spec.get("failure"),
        )
        if check.match == "regex":
            re.compile(check.query)
        self.checks.insert(0, check)
        return {"registered": len(self.checks)}

    # --- answering ----------------------------------------------------------------------------
    def query(self, body: dict[str, Any]) -> dict[str, Any]:
        """Answer one query body ``{"query", "timespan"}``; raises ``QueryFailure``."""
        text = str(body.get("query") or "")
        if not text.strip():
            raise QueryFailure(
                400, "BadArgumentError", "The request had some invalid properties: query is empty."
            )
        now = self.world.now()
        start, end = parse_timespan(body.get("timespan"), now)
        for check in self.checks:
            if check.matches(text):
                return self._user_answer(check)
        if re.search(r"\bHeartbeat\b", text):
            return self._heartbeat(text, start, min(end, now), now)
        if re.search(r"\bASRJobs\b", text):
            return self._asr_jobs(text, start, end)
        table = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", text)
        name = table.group(1) if table else text[:40]
        raise QueryFailure(
            400, "SemanticError", f"'{name}' could not be resolved: the simulator does not know this query."
        )

    def _user_answer(self, check: UserCheck) -> dict[str, Any]:
        if check.failure is not None:
            raise QueryFailure(
                int(check.failure.get("status", 400)),
                str(check.failure.get("code", "BadArgumentError")),
                str(check.failure.get("message", "The query failed.")),
            )
        table = check.table or {"columns": [], "rows": []}
        answer: dict[str, Any] = {
            "tables": [
                {"name": "PrimaryResult", "columns": table.get("columns", []), "rows": table.get("rows", [])}
            ]
        }
        if check.partial_error is not None:
            answer["error"] = {
                "code": "PartialError",
                "message": "There were some errors when processing your query.",
                "details": [check.partial_error],
            }
        return answer

    def _literals(self, text: str) -> list[str]:
        return [a or b for a, b in re.findall(r"'([^']*)'|\"([^\"]*)\"", text)]

    def _since(self, text: str, now: datetime) -> datetime | None:
        match = re.search(r"TimeGenerated\s*>=?\s*datetime\(\s*[\"']?([^)\"']+)[\"']?\s*\)", text)
        if match:
            return parse_time(match.group(1))
        match = re.search(r"TimeGenerated\s*>=?\s*ago\(\s*([\d.]+)\s*(ms|d|h|m|s)\s*\)", text)
        if match:
            return now - timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
        return None

    def _heartbeat(self, text: str, start: datetime | None, end: datetime, now: datetime) -> dict[str, Any]:
        literals = {lit.lower() for lit in self._literals(text)}
        machines = [m for m in self.world.machines.values() if m.name.lower() in literals]
        since = max(
            [t for t in (start, self._since(text, now)) if t is not None], default=now - timedelta(days=1)
        )
        rows: list[list[Any]] = []
        for machine in machines:
            if machine.onprem_state == "corrupt":
                continue
            host = machine.onprem_host
            for beat in machine.heartbeat_minutes(since, end):
                rows.append(
                    [
                        iso(beat),
                        machine.name,
                        "Azure Monitor Agent",
                        "Non-Azure",
                        machine.ip_address,
                        machine.os_type,
                        "Microsoft.HybridCompute",
                        "machines",
                        machine.name,
                        host or "OpsManager",
                    ]
                )
        rows.sort(key=lambda r: r[0])
        return self._shape(text, HEARTBEAT_COLUMNS, rows)

    def _shape(self, text: str, columns: list[tuple[str, str]], rows: list[list[Any]]) -> dict[str, Any]:
        """Apply the trailing operators the matcher understands."""
        if re.search(r"\|\s*count\s*$", text.strip()):
            return _tables([("Count", "long")], [[len(rows)]])
        if re.search(r"summarize\b[^|]*\bcount\(\)", text):
            return _tables([("count_", "long")], [[len(rows)]])
        if re.search(r"summarize\b[^|]*arg_max\(\s*TimeGenerated", text):
            latest: dict[str, list[Any]] = {}
            for row in rows:
                latest[row[1]] = row
            return _tables(columns, list(latest.values()))
        match = re.search(r"summarize\s+(?:(\w+)\s*=\s*)?max\(\s*TimeGenerated\s*\)", text)
        if match:
            alias = match.group(1) or "max_TimeGenerated"
            last: dict[str, Any] = {}
            for row in rows:
                last[row[1]] = row[0]
            return _tables([("Computer", "string"), (alias, "datetime")], [[c, t] for c, t in last.items()])
        take = re.search(r"\|\s*(?:take|limit)\s+(\d+)", text)
        if take:
            rows = (
                rows[-int(take.group(1)) :]
                if re.search(r"(order|sort) by", text)
                else rows[: int(take.group(1))]
            )
        return _tables(columns, rows)

    def _asr_jobs(self, text: str, start: datetime | None, end: datetime) -> dict[str, Any]:
        literals = {lit.lower() for lit in self._literals(text)}
        # only literals naming a VM or a job narrow the rows; other quoted text is ignored
        known = {m.name.lower() for m in self.world.machines.values()} | set(self.world.jobs)
        wanted = literals & known
        rows: list[list[Any]] = []
        for job in self.world.jobs.values():
            if job.state not in ("Succeeded", "Failed") or job.end_time is None:
                continue
            if start is not None and not start <= job.end_time <= end:
                continue
            names = {str(job.target.friendly_name).lower(), str(job.target.name).lower(), job.name.lower()}
            if wanted and not names & wanted:
                continue
            rows.append(
                [
                    iso(job.end_time),
                    job.name,
                    job.friendly_name,
                    job.state,
                    job.errors[-1]["serviceErrorDetails"]["message"] if job.errors else "Completed",
                    iso(job.start_time),
                    iso(job.end_time),
                    int((job.end_time - job.start_time).total_seconds() * 1000),
                    getattr(job.target, "arm_id", ""),
                    job.target.friendly_name,
                    getattr(job.target, "instance_type", ""),
                    self.world.vault,
                ]
            )
        return self._shape(text, ASRJOBS_COLUMNS, rows)


def _tables(columns: list[tuple[str, str]], rows: list[list[Any]]) -> dict[str, Any]:
    return {"tables": [{"name": "PrimaryResult", "columns": _columns(columns), "rows": rows}]}
