"""After the switchover a run never gives up on transient trouble: the "waiting for Azure" policy (H12).

Once the Azure VM has been asked to shut down, ending the run ``failed`` strands the VM: the item
sits commit-pending or mid-job and nothing in the product finishes it. So from then on any ARM or
Log Analytics failure that can pass — 5xx, throttling, no answer, a 409 (another operation holds
the item), an answer with ``Retry-After`` of any length — puts the run in a visible waiting state
that retries with back-off on durable timers, notifies the operators on a schedule, and lets a
person decide (retry now / hand over to manual). Pure: the orchestrator asks, this answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from domain.i18n import N_

#: Codes that can pass by themselves after the switchover (ARM transport, conflicts, Logs outages).
WAITABLE_CODES = frozenset(
    {"ARM_THROTTLED", "ARM_UNAVAILABLE", "LOGS_UNAVAILABLE", "LOGS_THROTTLED", "UNEXPECTED_TRANSPORT"}
)
#: ``ARM_ERROR`` statuses that can pass: a conflict (another operation on the item), a precondition
#: on a resource still changing, throttling and server errors reported as ARM errors.
WAITABLE_STATUSES = frozenset({408, 409, 412, 423, 429, 500, 502, 503, 504})
#: ``arm_errors`` writes ``"<what>: <status> <ARM code> <message>"``.
_STATUS = re.compile(r":\s([45]\d\d)\s")
_RETRY_AFTER = re.compile(r"retry after (\d+(?:\.\d+)?)\s*s", re.IGNORECASE)

#: First back-off; doubles per attempt up to :data:`MAX_BACKOFF` (a Retry-After wins when longer).
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=15)
#: The operators hear of the wait when it starts, then every :data:`NOTIFY_EVERY`.
FIRST_NOTICE_AFTER = timedelta(0)
NOTIFY_EVERY = timedelta(hours=1)

#: The human decisions on a run waiting for Azure (``POST /api/failbacks/{id}/azure-wait``).
RETRY_NOW = "retry-now"
HAND_OVER = "hand-over"
DECISIONS = (RETRY_NOW, HAND_OVER)
#: The decisions as an azure-wait gate takes them (runs whose decisions are gates). Handing over is
#: what the gate approves — the consequential choice: the automation stops, so the approval policy
#: (quorum, four-eyes) applies to it; rejecting keeps the automation and retries at once. A gate
#: that times out decides nothing: the run keeps waiting, as it would with nobody around.
AS_GATE_DECISION = {HAND_OVER: "approved", RETRY_NOW: "rejected"}
#: Why the run closes an open azure-wait gate once Azure answers again (shown to a later click).
WITHDRAWN_AZURE_BACK = N_("Azure answered again and the run went on: no decision is needed any more.")
#: Why the run closes an open azure-wait gate when the step fails for good (the run ends).
WITHDRAWN_RUN_STOPPED = N_("The run stopped for another reason: no decision is needed any more.")
#: What the approver of a hand-over attests (no API shows it).
HAND_OVER_CHECKLIST = [
    {
        "id": "manual-work-owned",
        "text": N_(
            "Someone will finish this failback by hand in the vault (the run's report says how from "
            "where ASR is); nobody waits for the automation to finish it."
        ),
    },
]


def status_of(message: str) -> int | None:
    """The HTTP status an ``ARM_ERROR`` message names (``"<what>: 409 Conflict ..."``), if any."""
    match = _STATUS.search(message or "")
    return int(match.group(1)) if match else None


def retry_after_of(message: str) -> timedelta | None:
    """The ``Retry-After`` an error message carries (``"retry after 120s"``), of any length."""
    match = _RETRY_AFTER.search(message or "")
    return timedelta(seconds=float(match.group(1))) if match else None


def waitable(code: str, message: str) -> bool:
    """Whether a failure after the switchover is waited out rather than ending the run."""
    if code in WAITABLE_CODES:
        return True
    if code == "ARM_ERROR":
        return status_of(message) in WAITABLE_STATUSES
    return retry_after_of(message) is not None


def backoff(attempt: int, message: str = "") -> timedelta:
    """How long to wait before retry ``attempt`` (1 = the first): doubling, capped; Retry-After wins."""
    delay = min(FIRST_BACKOFF * (2 ** max(attempt - 1, 0)), MAX_BACKOFF)
    asked = retry_after_of(message)
    return max(delay, asked) if asked is not None else delay


def notice_due(since: datetime, last_notice: datetime | None, now: datetime) -> bool:
    """Whether the operators should hear (again) that the run waits for Azure."""
    if last_notice is None:
        return now - since >= FIRST_NOTICE_AFTER
    return now - last_notice >= NOTIFY_EVERY


def next_notice_at(since: datetime, last_notice: datetime | None) -> datetime:
    """When the operators are due to hear (again) that the run waits for Azure."""
    return since + FIRST_NOTICE_AFTER if last_notice is None else last_notice + NOTIFY_EVERY


def waiting_message(step: str, code: str, message: str, next_try: datetime, attempt: int) -> str:
    """What the status page says while the run waits (no promise the product cannot keep)."""
    return (
        f"Waiting for Azure: {step} failed with {code} ({message[:300]}). The Azure VM was already asked to "
        f"shut down, so the run does not give up: attempt {attempt + 1} at {next_try.isoformat()}. "
        "The approvers may retry now or hand the failback over to manual work "
        "(their approval links, or POST /api/failbacks/{id}/azure-wait)."
    )


def gate_summary(vm: str, initiator: str, step: str, code: str, message: str) -> dict[str, Any]:
    """What the approvers of an azure-wait gate see (the gate's summary): the choice in plain words."""
    return {
        "vm": vm,
        "initiator": initiator,
        "what": (
            f"The run waits for Azure after the switchover: {step} failed with {code} ({message[:300]}). "
            "It keeps retrying with back-off. Approve to hand the failback over to manual work: the "
            "automation stops and the report says what to do from where ASR is. Reject to retry now "
            "and keep the automation. If Azure answers again first, this question is withdrawn."
        ),
        "step": step,
        "checklist": HAND_OVER_CHECKLIST,
    }


def hand_over_advice(step: str, job_id: str | None) -> str:
    """The remedy of a run handed over to manual work while waiting for Azure: only what is possible."""
    job = f" (ASR job {job_id})" if job_id else ""
    return (
        f"Automation stopped at '{step}'{job} by decision while Azure was failing; the Azure VM was already "
        "asked to shut down. In the vault: if the item's failback job is still running or suspended, let it "
        "finish or resume it; if the item is commit-pending (FinalizeRestorePending) or committed, a new "
        "failback request for it adopts it there and completes the rest (verify, commit, re-protect). Do "
        "not cancel a job while it synchronizes data (H10)."
    )


def shutdown_seen(snapshot: Mapping[str, Any]) -> str | None:
    """When ASR shows the Azure VM shut down, from the switchover job's snapshot; None if it does not.

    The task's code is not documented (G5), so the task is recognised by "shut" in its name or
    friendly name; a job that succeeded without such a task proves it too (at the job's end).
    """
    for task in snapshot.get("tasks") or []:
        label = f"{task.get('name') or ''} {task.get('friendlyName') or ''}".lower()
        if "shut" in label and task.get("state") == "Succeeded":
            return str(task.get("endTime") or snapshot.get("endTime") or "") or None
    if snapshot.get("state") == "Succeeded":
        return str(snapshot.get("endTime") or "") or None
    return None
