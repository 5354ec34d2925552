# ruff: noqa: N815  # TypedDict keys are the wire's camelCase (ruff cannot see these bases are TypedDicts)
"""Activity inputs and outputs (contracts §5, §8)."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from domain.contracts.asr import ActivityInput, ItemFacts, ItemRef, VaultRef

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
