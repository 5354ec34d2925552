"""What every ASR activity shares: the vault's client, error mapping, job ids, structured logs.

SDK exceptions never leave an activity raw: :func:`arm_errors` turns them into
``FailbackError`` with a stable code (429 → ``ARM_THROTTLED`` with the wait the
service asked for, 5xx/connection → ``ARM_UNAVAILABLE``, 404 → the caller's code).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.mgmt.recoveryservicessiterecovery import SiteRecoveryManagementClient

from clients.asr import site_recovery_client
from clients.settings import Settings, get_settings
from domain.errors import FailbackError
from domain.items import arm_segment, job_name_from_id, parse_time

log = logging.getLogger("failback.activities")

#: The headers of a 202 that carry the ASR job name (the GUID after the last segment).
_JOB_HEADERS = ("Azure-AsyncOperation", "Location", "x-ms-request-id")


class Vault:
    """The vault named in an activity input, with its Site Recovery client.

    Args:
        vault: ``{"subscriptionId", "resourceGroup", "name"}``.
        settings: app settings (default: the process-wide settings).
    """

    def __init__(self, vault: Mapping[str, Any], settings: Settings | None = None) -> None:
        try:
            self.subscription_id = str(vault["subscriptionId"])
            self.resource_group = str(vault["resourceGroup"])
            self.name = str(vault["name"])
        except (KeyError, TypeError):
            raise FailbackError(
                "REQUEST_INVALID", "vault must be {subscriptionId, resourceGroup, name}"
            ) from None
        self.client: SiteRecoveryManagementClient = site_recovery_client(self.subscription_id, settings)

    @property
    def args(self) -> tuple[str, str]:
        """``(resource_group_name, resource_name)``, the first two arguments of every SDK call."""
        return self.resource_group, self.name


def now_of(
    payload: Mapping[str, Any], settings: Settings | None = None, service_now: datetime | None = None
) -> datetime:
    """The reference time of a call, for heartbeat ages, time in Azure and ETAs.

    The orchestrator should pass ``now`` (``context.current_utc_datetime``): that is the
    clock ASR runs on, including the virtual clock of local runs. Without it, Azure uses
    the wall clock; local mode (``FAILBACK_LOCAL_MODE``), where the simulator may run on
    a virtual clock, uses ``service_now`` — the newest time the service itself reported.
    """
    given = parse_time(payload.get("now"))
    if given is not None:
        return given
    local = settings.local_mode if settings is not None else get_settings().local_mode
    if local and service_now is not None:
        return service_now
    return datetime.now(UTC)


def newest_time(values: Iterable[object]) -> datetime | None:
    """The newest of some service timestamps (``None`` if none parses)."""
    times = [t for t in (parse_time(v) for v in values) if t is not None]
    return max(times) if times else None


def log_event(payload: Mapping[str, Any], message: str, **fields: Any) -> None:
    """Log one structured line with the run id, phase and ASR job id (``extra=``)."""
    extra = {"runId": payload.get("runId"), "phase": payload.get("phase"), **fields}
    log.info("%s %s", message, {k: v for k, v in extra.items() if v is not None}, extra=extra)


def _status(err: HttpResponseError) -> int:
    return int(getattr(err, "status_code", None) or 0)


def _arm_code(err: HttpResponseError) -> str:
    error = getattr(err, "error", None)
    return str(getattr(error, "code", None) or getattr(err, "reason", None) or "")


def _retry_after(err: HttpResponseError) -> float | None:
    response = getattr(err, "response", None)
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _message(err: Exception) -> str:
    text = getattr(getattr(err, "error", None), "message", None) or getattr(err, "message", None) or str(err)
    return " ".join(str(text).split())[:500]


@contextmanager
def arm_errors(what: str, *, not_found: str = "ITEM_NOT_FOUND") -> Iterator[None]:
    """Turn SDK exceptions raised inside the block into coded ``FailbackError``.

    Args:
        what: what the block does, for the message (e.g. ``"get item web01"``).
        not_found: the code for a 404.
    """
    try:
        yield
    except FailbackError:
        raise
    except ResourceNotFoundError as err:
        raise FailbackError(not_found, f"{what}: {_message(err)}") from err
    except ClientAuthenticationError as err:
        raise FailbackError("ARM_AUTH_FAILED", f"{what}: {_message(err)}") from err
    except HttpResponseError as err:
        status = _status(err)
        details = {"status": status, "armCode": _arm_code(err)}
        after = _retry_after(err)
        if after is not None:  # any status: after the switchover the run waits that long (H12)
            details["retryAfterSeconds"] = after
            what = f"{what} (retry after {after:g}s)"
        if status == 429:
            details["retryAfterSeconds"] = _retry_after(err)
            raise FailbackError("ARM_THROTTLED", f"{what}: throttled (429)", details=details) from err
        if status >= 500:
            raise FailbackError(
                "ARM_UNAVAILABLE", f"{what}: {status} {_message(err)}", details=details
            ) from err
        raise FailbackError(
            "ARM_ERROR", f"{what}: {status} {details['armCode']} {_message(err)}", details=details
        ) from err
    except (ServiceRequestError, ServiceResponseError) as err:
        raise FailbackError("ARM_UNAVAILABLE", f"{what}: {type(err).__name__}: {_message(err)}") from err


def is_conflict(err: FailbackError) -> bool:
    """Whether an ``ARM_ERROR`` says the item is busy or in the wrong state (409/400 from a POST)."""
    return err.code == "ARM_ERROR" and err.details.get("status") in (400, 409)


class JobIdCapture:
    """A ``raw_response_hook`` that keeps the job name from a 202's headers."""

    def __init__(self) -> None:
        self.job_name: str | None = None

    def __call__(self, response: Any) -> None:
        """Read ``Azure-AsyncOperation`` / ``Location`` / ``x-ms-request-id`` of the first response."""
        if self.job_name is not None:
            return
        headers = response.http_response.headers
        for header in _JOB_HEADERS:
            value = headers.get(header)
            if value:
                self.job_name = job_name_from_header(value)
                if self.job_name:
                    return


def job_name_from_header(value: str) -> str | None:
    """The ASR job name inside an LRO header (``.../replicationOperationStatus/{job}?...`` etc.)."""
    path = value.split("?", 1)[0]
    for collection in ("replicationOperationStatus", "operationresults", "replicationJobs"):
        name = arm_segment(path, collection)
        if name:
            return name
    return None


def start_operation(what: str, begin: Callable[..., Any], *args: Any) -> str | None:
    """Start an ASR long-running operation without waiting for it; return its job name.

    ``polling=False``: waiting is the orchestrator's job (durable timers), never the activity's.
    """
    capture = JobIdCapture()
    with arm_errors(what):
        begin(*args, polling=False, raw_response_hook=capture)
    return capture.job_name


def start_item_operation(
    vault: Vault, ref: Mapping[str, Any], what: str, begin: Callable[..., Any], *body: Any
) -> str | None:
    """``start_operation`` on one protected item (``ref``: ``{fabric, container, name}``).

    ``what`` names the operation in errors (``"<what> of <item>"``); ``body`` is the
    operation's input, if it takes one.
    """
    return start_operation(
        f"{what} of {ref['name']}", begin, *vault.args, ref["fabric"], ref["container"], ref["name"], *body
    )


def job_targets(job: Mapping[str, Any], ids: Iterable[str], names: Iterable[str] = ()) -> bool:
    """Whether a job (wire dict) acts on the object with one of ``ids`` or friendly ``names``.

    R32/R35/R57: a job's ``targetObjectId`` is the target's internal id (a VM's ``vmId``, a plan's
    GUID), not its ARM name; ``targetObjectName`` is its friendly name. Both compared
    case-insensitively.
    """
    props = job.get("properties") or {}
    target_id = str(props.get("targetObjectId") or "").lower()
    target_name = str(props.get("targetObjectName") or "").lower()
    wanted_ids = {str(i).lower() for i in ids if i}
    wanted_names = {str(n).lower() for n in names if n}
    return bool((target_id and target_id in wanted_ids) or (target_name and target_name in wanted_names))


def latest_job(
    vault: Vault,
    target: str,
    scenario: Callable[[str], bool],
    *,
    names: Iterable[str] = (),
    since: datetime | None = None,
) -> Mapping[str, Any] | None:
    """The most recent job on an object whose scenario matches, as a dict.

    Used to adopt an operation that already finished (the activity ran again after it ended).

    Args:
        vault: the vault.
        target: the object's id as jobs name it (an item's ``vmId``, a plan's name or id).
        scenario: which scenario names count.
        names: friendly names jobs may carry in ``targetObjectName`` instead.
        since: only jobs that started at or after this moment (never an older, unrelated job).
    """
    best: Mapping[str, Any] | None = None
    best_started: datetime | None = None
    with arm_errors("list jobs", not_found="JOB_NOT_FOUND"):
        for job in vault.client.replication_jobs.list(*vault.args):
            data = job.as_dict()
            props = data.get("properties") or {}
            if not scenario(str(props.get("scenarioName") or "")):
                continue
            if not job_targets(data, [target], names):
                continue
            started = parse_time(props.get("startTime"))
            if since is not None and (started is None or started < since):
                continue
            if best is None or (started is not None and (best_started is None or started > best_started)):
                best, best_started = data, started
    return best


def read_job_dict(vault: Vault, job_id: str) -> dict[str, Any]:
    """GET a job (wire dict) by name or ARM id."""
    name = job_name_from_id(job_id)
    with arm_errors(f"get job {name}", not_found="JOB_NOT_FOUND"):
        return dict(vault.client.replication_jobs.get(*vault.args, name).as_dict())


def job_name_of(job: Mapping[str, Any]) -> str:
    """The name (GUID) of a job dict."""
    return str(job.get("name") or job_name_from_id(str(job.get("id") or "")))
