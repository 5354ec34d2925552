"""The JSON that crosses activity and orchestration boundaries, as types (``docs/contracts.md``).

These are ``TypedDict``s: annotations only. What travels stays plain JSON, so the histories
of runs in flight replay unchanged, and the activities' binding parameters stay plain
``dict`` (Microsoft's worker refuses other annotations there); code converts with
``typing.cast`` where a binding's ``dict`` meets one of these. Keys absent from old
histories are ``NotRequired``; readers keep using ``.get`` for them.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

# ---------------------------------------------------------------- references (contracts §5)


class VaultRef(TypedDict):
    """A Recovery Services vault: ``{subscriptionId, resourceGroup, name}``."""

    subscriptionId: str
    resourceGroup: str
    name: str


class ItemRef(TypedDict):
    """A replication protected item by its ASR names: ``{fabric, container, name}``."""

    fabric: str
    container: str
    name: str


class ActivityInput(TypedDict, total=False):
    """What every activity input may carry besides its own keys (structured logs, H2b clock)."""

    runId: str
    phase: str
    now: str


# ---------------------------------------------------------------- item facts and job snapshots


class CurrentScenario(TypedDict):
    """The operation ASR runs on an item now; ``dataSyncOption`` when pre-flight adopts it."""

    scenarioName: str
    jobId: str
    startTime: str | None
    dataSyncOption: NotRequired[str]


class ItemFacts(TypedDict, total=False):
    """What ``get_item`` / ``preflight`` read of a protected item (``domain.items.item_facts``).

    Built from ASR's wire dict (``Any`` values), so ``item_facts`` casts once where it builds it.
    """

    id: str
    name: str
    fabric: str
    container: str
    friendlyName: str
    provider: str
    protectionState: str
    activeLocation: str
    allowedOperations: list[str]
    currentScenario: CurrentScenario | None
    lastFailoverTime: str | None
    onPremVmPresent: bool | None
    useManagedDisks: bool | None
    diskCount: int
    diskSizeGB: float
    recoveryPlan: str | None
    vmId: str | None
    rpoSeconds: int | None
    rpoCalculatedAt: str | None
    rpoReported: bool
    # extras: where the item lives and how healthy ASR says it is
    primaryFabricProvider: str | None
    providerId: str | None
    vmName: str | None
    osType: str
    replicationHealth: str | None
    failoverHealth: str | None
    # VMware extras (``domain.vmware.vmware_facts``)
    replicationGroup: str | None
    masterTargetId: str | None
    processServerId: str | None
    runAsAccountId: str | None
    agentLastHeartbeat: str | None
    agentRegistered: bool | None
    policyId: str | None


class JobTask(TypedDict, total=False):
    """One task of an ASR job."""

    name: str
    friendlyName: str
    state: str
    startTime: str | None
    endTime: str | None


class JobError(TypedDict, total=False):
    """One error ASR reports on a job."""

    code: str
    message: str
    recommendedAction: str


class JobSnapshot(TypedDict, total=False):
    """An ASR job as ``get_job`` reads it (built, and cast once, by ``domain.jobs.job_snapshot``)."""

    jobId: str
    state: str
    stateDescription: str
    scenarioName: str
    allowedActions: list[str]
    startTime: str | None
    endTime: str | None
    currentTask: JobTask | None
    tasks: list[JobTask]
    percent: float | None
    etaSeconds: float | None
    dataSyncInProgress: bool
    waitingForAction: bool
    errors: list[JobError]
    friendlyName: str | None
    targetObjectName: str | None


# ---------------------------------------------------------------- activity inputs and outputs


class JobInput(ActivityInput):
    """``get_job`` / ``cancel_job``: ``{vault, jobId}``."""

    vault: VaultRef
    jobId: str


class ItemInput(ActivityInput):
    """``get_item`` (and the item-changing activities' common part): ``{vault, item}``."""

    vault: VaultRef
    item: ItemRef


class ResumeInput(JobInput, total=False):
    """``resume_job``: ``{vault, jobId, comments, item?}``."""

    comments: str
    item: ItemRef


class StartFailbackInput(ItemInput, total=False):
    """``start_failback``."""

    dataSyncOption: str
    location: str
    targetHost: str | None
    createVmIfNotFound: bool
    encryptionCertificate: str | None


class CommitInput(ItemInput, total=False):
    """``commit_failover``: ``afterJobId`` keeps an older commit from being adopted."""

    afterJobId: str | None


class JobStarted(TypedDict):
    """What an ASR-changing activity answers: the job it started or adopted.

    ``jobId`` is None only when ASR's answer named no job and none was found on the item (G4).
    """

    jobId: str | None
    adopted: bool
    state: NotRequired[str]
    dataSyncOption: NotRequired[str]


class CancelJobResult(TypedDict):
    """``cancel_job``'s answer; ``state`` is usually ``Cancelling`` (R55)."""

    jobId: str
    state: str
    adopted: NotRequired[bool]


class PreflightCheck(TypedDict, total=False):
    """One pre-flight check (``domain.preflight``)."""

    id: str
    rule: str
    passed: bool
    evidence: str
    remedy: str


class Recommendation(TypedDict, total=False):
    """The data-sync decision (``domain.sync_policy.resolve_data_sync``)."""

    dataSyncOption: str
    asrDataSyncOption: str
    source: str
    reason: str
    recommendation: str


class PreflightInput(ActivityInput):
    """``preflight`` (and ``preflight_shared``, ``preflight_plan``, ``preflight_vmware``)."""

    vault: VaultRef
    request: dict[str, Any]


class PreflightResult(TypedDict, total=False):
    """``preflight``'s answer; the variants add ``checklist``, ``inputs``, ``plan``, ``adopted``."""

    passed: bool
    checks: list[PreflightCheck]
    facts: ItemFacts
    item: ItemRef
    fabric: dict[str, Any]
    recommendation: Recommendation
    checklist: list[dict[str, Any]]
    inputs: dict[str, Any]
    plan: dict[str, Any]
    adopted: dict[str, Any] | None


class VerifyCheck(TypedDict, total=False):
    """One verification query and what it found."""

    name: str
    query: str
    passed: bool
    evidence: str


class VerifyInput(ActivityInput):
    """``verify_onprem``."""

    workspaceId: str
    computer: str
    since: str
    checks: list[VerifyCheck]


class VerifyResult(TypedDict, total=False):
    """``verify_onprem``'s answer."""

    passed: bool
    checks: list[VerifyCheck]
    lastHeartbeat: str | None


class NotifyResult(TypedDict):
    """``notify``'s answer: how many links were sent and each channel's result."""

    kind: str
    links: int
    channels: list[dict[str, Any]]


# ---------------------------------------------------------------- the run (contracts §6)


class SealedCallback(TypedDict):
    """The callback URL sealed by the HTTP layer (``domain.callback_seal``)."""

    sealed: str
    host: str


class RunClaims(TypedDict):
    """What a run holds (one run per item): its key and, for plans and waves, every member's."""

    key: str
    items: list[str]


class RunInput(TypedDict):
    """The input of ``failback_orchestrator``."""

    runId: str
    request: dict[str, Any]
    initiator: str
    callback: NotRequired[SealedCallback]
    claims: NotRequired[RunClaims]


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


Awaiting = Literal["approval", "verification-decision", "window", "azure"]


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
