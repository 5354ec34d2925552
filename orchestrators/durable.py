"""Small deterministic helpers shared by the orchestrators (no I/O, no clock, no env).

- :func:`event_payload` undoes the double JSON encoding of ``client.raise_event``.
- :func:`call_activity` runs one activity and retries it after a durable timer when
  it failed with a transient ARM code (429/5xx that outlived the SDK's own retries).
  Every ASR-changing activity adopts a job already under way, so a retry never
  starts a second operation.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Generator
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskBase

from domain.azure_wait import retry_after_of
from domain.errors import parse_error
from orchestrators.safety import is_transient

log = logging.getLogger("failback.orchestrator")

#: Attempts of one activity call before a transient failure stops the run.
MAX_ATTEMPTS = 5
#: First wait after a transient failure; doubles each attempt.
FIRST_RETRY = timedelta(seconds=30)


class StepFailed(Exception):  # noqa: N818 - reads as what happened to the step
    """An activity failed with a non-transient code (or ran out of attempts)."""

    def __init__(self, activity: str, code: str, message: str) -> None:
        self.activity = activity
        self.code = code
        self.message = message
        super().__init__(f"[{code}] {activity}: {message}")


def iso(moment: datetime) -> str:
    """ISO 8601 with ``Z`` for UTC."""
    return moment.isoformat().replace("+00:00", "Z")


def event_payload(raw: Any) -> dict[str, Any]:
    """Return an external event's payload as a dict.

    ``client.raise_event`` delivers a JSON *string* (durable-python #295); a POST to
    the ``raiseEvent`` webhook delivers the object. Anything else becomes ``{}``.
    """
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return dict(raw) if isinstance(raw, dict) else {}


def log_info(context: df.DurableOrchestrationContext, message: str, **fields: Any) -> None:
    """Log once (not on replay), with structured fields (run id, phase, job id)."""
    if not context.is_replaying:
        # Flat ``extra`` keys become customDimensions in Application Insights (OpenTelemetry).
        log.info(message, extra={k: v for k, v in fields.items() if v is not None})


Awaiter = Callable[[TaskBase], Generator[Any, Any, Any]]


def plain_await(task: TaskBase) -> Generator[Any, Any, Any]:
    """Wait for one task: its value, or its exception raised."""
    return (yield task)


def call_activity(
    context: df.DurableOrchestrationContext,
    name: str,
    payload: dict[str, Any],
    awaiter: Awaiter = plain_await,
    attempts: int = MAX_ATTEMPTS,
) -> Generator[Any, Any, Any]:
    """Call an activity; retry transient ARM failures after durable timers.

    Args:
        context: the orchestration context.
        name: the activity.
        payload: its input.
        awaiter: how to wait for a task (the failback run also answers cancel requests meanwhile).
        attempts: tries before a transient failure stops the step; 1 after the switchover of runs that
            wait for Azure visibly from the first failed try (``orchestrators.runbook.azure_wait``).

    Raises:
        StepFailed: with the parsed error code when the activity fails for good.
    """
    # Activities measure ages and ETAs against the orchestration's clock (contracts §5: ``now``),
    # which is also the simulator's clock in local runs.
    attempt = 0
    while True:
        attempt += 1
        timed = {**payload, "now": iso(context.current_utc_datetime)}
        try:
            return (yield from awaiter(context.call_activity(name, timed)))
        except Exception as exc:  # the SDK raises a plain Exception with the failure text
            code, message = parse_error(str(exc))
            if not is_transient(code) or attempt >= attempts:
                raise StepFailed(name, code, message) from None
            delay = FIRST_RETRY * (2 ** (attempt - 1))
            asked = retry_after_of(message)  # the service's Retry-After, of any length (H12)
            delay = max(delay, asked) if asked is not None else delay
            log_info(context, f"{name} failed with {code}; retrying in {delay}", activity=name, code=code)
            yield from awaiter(context.create_timer(context.current_utc_datetime + delay))
