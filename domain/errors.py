"""Stable error codes of the failback workflow and the one helper that parses them back.

An activity failure reaches the orchestrator only as text, e.g.
``"Activity function 'start_failback' failed: FailbackError: [ASR_JOB_FAILED] job 42 failed"``
followed by a traceback. Every error therefore puts its code first, in brackets, and
:func:`parse_error` finds it inside whatever wrapping the Durable Functions SDK adds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

#: Every stable code with the remedy shown to the operator. Codes never change meaning;
#: new ones are added at the end of their group.
ERROR_CODES: dict[str, str] = {
    # The request and the run
    "REQUEST_INVALID": "Fix the listed fields of the failback request and send it again.",
    "RUN_IN_PROGRESS": "A failback of this item is already running; follow that run instead.",
    "UNSUPPORTED_KIND": "Only 'hyperv' failbacks are supported by this version; use the portal for others.",
    # Finding the item
    "VAULT_NOT_FOUND": "Check subscriptionId, resourceGroup and vault name, and the app's RBAC on the vault.",
    "ITEM_NOT_FOUND": "Check the protected item's ASR name or the VM's friendly name in the vault.",
    "AMBIGUOUS_ITEM": "Several protected items match; name the item by its ASR name instead.",
    "TARGET_HOST_NOT_FOUND": "Name a Hyper-V host registered in the item's site (HyperVSite fabric).",
    # Pre-flight (H2, H4)
    "PREFLIGHT_FAILED": "Fix the failed pre-flight checks listed in the run, then start a new failback.",
    "SCENARIO_IN_PROGRESS": "Wait for the ASR operation already running on the item to finish, then retry.",
    "OPERATION_NOT_ALLOWED": "The item does not allow this operation now; check its state in the vault.",
    # ASR jobs
    "JOB_NOT_FOUND": "The ASR job no longer exists; check the vault's Site Recovery jobs.",
    "ASR_JOB_FAILED": (
        "Open the ASR job in the vault, fix the cause it reports, then re-run the failover "
        "(planned failover from Azure) to completion; do not commit."
    ),
    "ASR_JOB_CANCELLED": "The ASR job was cancelled outside the workflow; check the item and start again.",
    "CANCEL_REFUSED_DATA_SYNC": (
        "Cancelling while data synchronizes leaves the on-premises VM unbootable (H10); "
        "let the synchronization finish, or re-run the failover to completion."
    ),
    "CANCEL_NOT_ALLOWED": "The job cannot be cancelled in its current state.",
    # ARM transport
    "ARM_THROTTLED": (
        "Azure Resource Manager throttled the calls (429) beyond the run's retries before the switchover "
        "(the Azure VM keeps running); start the failback again later. After the switchover the run waits."
    ),
    "ARM_UNAVAILABLE": (
        "Azure Resource Manager answered 5xx or not at all beyond the run's retries before the switchover "
        "(the Azure VM keeps running); start the failback again later. After the switchover the run waits."
    ),
    "ARM_AUTH_FAILED": "Check the managed identity and its role on the Recovery Services vault.",
    "ARM_ERROR": "Azure Resource Manager refused the call; see the message for its error code.",
    # Verification (H6)
    "VERIFY_FAILED": (
        "Sign in to the on-premises VM and check it. While the run holds, decide on POST "
        ".../verification; once it has ended, a new failback request for the item adopts it at its commit "
        "(verify, commit, re-protect)."
    ),
    "LOGS_QUERY_FAILED": "Check the workspace id, the KQL text and the identity's Log Analytics Reader role.",
    "LOGS_UNAVAILABLE": "Log Analytics answered 5xx, throttled or did not answer; the run retries the query.",
    # Notification
    "CALLBACK_FAILED": "The callback URL did not accept the report; check the receiving endpoint.",
    "CALLBACK_REFUSED": "The callback URL is not a public https URL; the report stays in the run's status.",
    # Anything else
    "UNEXPECTED": "An unexpected error occurred; see the run's logs with its run id.",
}

_CODE_PATTERN = re.compile(r"\[([A-Z][A-Z0-9_]{2,})\]")


def remedy_for(code: str) -> str:
    """Return the operator-facing remedy of a code (the generic one for unknown codes)."""
    return ERROR_CODES.get(code, ERROR_CODES["UNEXPECTED"])


class FailbackError(Exception):
    """An error with a stable code; ``str()`` is ``"[CODE] message"``.

    Args:
        code: one of :data:`ERROR_CODES` (unknown codes are kept but flagged in ``remedy``).
        message: what happened, one line, no secrets.
        remedy: what the operator should do; defaults to the code's remedy.
        details: JSON-safe extra facts (e.g. the ASR job id).
    """

    def __init__(
        self, code: str, message: str, *, remedy: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        self.code = code
        self.message = " ".join(str(message).split())  # one line: parse_error reads to end of line
        self.remedy = remedy or remedy_for(code)
        self.details = dict(details or {})
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the keyword-only fields when the worker pickles the exception.
        return (_rebuild, (self.code, self.message, self.remedy, self.details))

    def to_dict(self) -> dict[str, Any]:
        """Return ``{code, message, remedy, details}`` for reports and HTTP answers."""
        return {"code": self.code, "message": self.message, "remedy": self.remedy, "details": self.details}


def _rebuild(code: str, message: str, remedy: str, details: dict[str, Any]) -> FailbackError:
    return FailbackError(code, message, remedy=remedy, details=details)


class RequestInvalid(FailbackError):  # noqa: N818 - name fixed by docs/contracts.md §6
    """A failback request that cannot be accepted, with every reason at once.

    Args:
        reasons: one human-readable line per problem, each naming the field (English).
        messages: the same lines as catalog messages (``domain.i18n.message``), for a reader's
            language; absent, the English lines stand in.
    """

    def __init__(self, reasons: Iterable[str], messages: Iterable[dict[str, Any]] | None = None) -> None:
        self.reasons = [str(r) for r in reasons]
        self.messages = list(messages) if messages is not None else None
        super().__init__(
            "REQUEST_INVALID", "; ".join(self.reasons) or "invalid request", details={"reasons": self.reasons}
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (RequestInvalid, (self.reasons, self.messages))


def parse_error(text: object) -> tuple[str, str]:
    """Find the ``[CODE] message`` inside an activity failure's text.

    The Durable Functions SDK wraps the exception, e.g.
    ``"Activity function 'x' failed: FailbackError: [CODE] message"`` plus a traceback;
    the first bracketed code that is a known code wins, else the first bracketed
    upper-case token, else ``UNEXPECTED`` with the first line of the text.

    Args:
        text: the failure reason (``str(exception)`` or the task's error text).

    Returns:
        ``(code, message)``.
    """
    raw = str(text or "")
    matches = list(_CODE_PATTERN.finditer(raw))
    known = [m for m in matches if m.group(1) in ERROR_CODES]
    for match in known or matches[:1]:
        return match.group(1), raw[match.end() :].split("\n", 1)[0].strip()
    first_line = next((line.strip() for line in raw.splitlines() if line.strip()), "")
    return "UNEXPECTED", first_line or "no error text"
