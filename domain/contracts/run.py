"""The run's input and custom status, and its sub-orchestrations' inputs and results (contracts §6, §7)."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from domain.contracts.asr import ItemRef, JobSnapshot, VaultRef

# ---------------------------------------------------------------- the run (contracts §6)


class SealedCallback(TypedDict):
    """The callback URL sealed by the HTTP layer (``domain.callback_seal``)."""

    sealed: str
    host: str


class RunClaims(TypedDict):
    """What a run holds (one run per item): its key and, for plans and waves, every member's."""

    key: str
    items: list[str]
    #: ``{id, disks}``: the master target a VMware-classic run claimed at its start (V3, summed until
    #: its pre-flight publishes its own; ``function_app.master_target_claim``)
    masterTarget: NotRequired[dict[str, Any]]


class RunInput(TypedDict):
    """The input of ``failback_orchestrator``."""

    runId: str
    request: dict[str, Any]
    initiator: str
    callback: NotRequired[SealedCallback]
    claims: NotRequired[RunClaims]
    #: ``domain.run_names.DECISIONS_KEY``: decisions after a failed verification go through a gate.
    decisions: NotRequired[str]
    #: ``domain.run_names.AZURE_WAIT_KEY``: after the switchover, the wait for Azure shows from the first try.
    azureWait: NotRequired[str]


class Progress(TypedDict):
    """The running job's progress, as the status shows it."""

    task: str | None
    percent: float | None
    etaSeconds: float | None


class CancelAnswer(TypedDict, total=False):
    """The run's answer to a ``CancelRequest`` (``requestId`` echoes the request's, if it had one)."""

    requestId: str | None
    by: str
    accepted: bool
    code: str | None
    reason: str | None
    deferred: bool  # refused during sync phase 1, applied at the approval gate (alerts)


class CustomStatus(TypedDict):
    """A failback run's custom status; the optional keys appear only while they say something."""

    phase: str
    step: str
    progress: Progress | dict[str, Any] | None
    jobId: str | None
    awaiting: str | None
    message: str
    timeline: NotRequired[list[dict[str, Any]]]
    gate: NotRequired[str]
    item: NotRequired[dict[str, str]]
    tracker: NotRequired[str]
    cancel: NotRequired[CancelAnswer | dict[str, Any]]
    azureWait: NotRequired[dict[str, Any]]
    masterTarget: NotRequired[dict[str, Any]]


# ---------------------------------------------------------------- sub-orchestrations (§6, §7)


class JobWaitInput(TypedDict):
    """The input of ``wait_for_asr_job`` (``orchestrators.job_wait.wait_input``); it carries its state on."""

    vault: VaultRef
    jobId: str
    phase: str
    stopWhenSuspended: bool
    item: ItemRef | None
    untilProtected: bool
    mode: str
    polls: int
    rpoSlaSeconds: NotRequired[float]
    maxWaitSeconds: NotRequired[float]
    shared: NotRequired[bool]
    runId: NotRequired[str]
    #: attempts of each read before the wait fails (1: the run waits for Azure itself, from the first try)
    attempts: NotRequired[int]


class JobWaitResult(TypedDict, total=False):
    """What ``wait_for_asr_job`` answers: the job's last state and snapshot, the item's protection."""

    jobId: str
    state: str | None
    snapshot: JobSnapshot
    polls: int
    protectionState: str | None
    protection: dict[str, Any] | None
    finishedAt: str


class GateInput(TypedDict, total=False):
    """The input of ``approval_gate``: ``{runId, gate, policy, summary}`` and the initiator."""

    runId: str
    gate: str
    policy: dict[str, Any]
    summary: dict[str, Any]
    initiator: str


class GateResult(TypedDict, total=False):
    """What ``approval_gate`` decides; ``decisions`` is the audit trail."""

    decision: str
    by: str | None
    at: str
    comment: str | None
    decisions: list[dict[str, Any]]
    approvers: list[str]
