"""The JSON that crosses activity and orchestration boundaries, as types (``docs/contracts.md``).

These are ``TypedDict``s: annotations only. What travels stays plain JSON, so the histories
of runs in flight replay unchanged, and the activities' binding parameters stay plain
``dict`` (Microsoft's worker refuses other annotations there); code converts with
``typing.cast`` where a binding's ``dict`` meets one of these. Keys absent from old
histories are ``NotRequired``; readers keep using ``.get`` for them.
"""

from __future__ import annotations

from domain.contracts.activities import (
    CancelJobResult,
    CommitInput,
    ItemInput,
    JobInput,
    JobStarted,
    NotifyResult,
    PreflightCheck,
    PreflightInput,
    PreflightResult,
    Recommendation,
    ResumeInput,
    StartFailbackInput,
    VerifyCheck,
    VerifyInput,
    VerifyResult,
)
from domain.contracts.asr import (
    ActivityInput,
    CurrentScenario,
    ItemFacts,
    ItemRef,
    JobError,
    JobSnapshot,
    JobTask,
    VaultRef,
)
from domain.contracts.run import (
    CancelAnswer,
    CustomStatus,
    GateInput,
    GateResult,
    JobWaitInput,
    JobWaitResult,
    Progress,
    RunClaims,
    RunInput,
    SealedCallback,
)

__all__ = [
    "ActivityInput",
    "CancelAnswer",
    "CancelJobResult",
    "CommitInput",
    "CurrentScenario",
    "CustomStatus",
    "GateInput",
    "GateResult",
    "ItemFacts",
    "ItemInput",
    "ItemRef",
    "JobError",
    "JobInput",
    "JobSnapshot",
    "JobStarted",
    "JobTask",
    "JobWaitInput",
    "JobWaitResult",
    "NotifyResult",
    "PreflightCheck",
    "PreflightInput",
    "PreflightResult",
    "Progress",
    "Recommendation",
    "ResumeInput",
    "RunClaims",
    "RunInput",
    "SealedCallback",
    "StartFailbackInput",
    "VaultRef",
    "VerifyCheck",
    "VerifyInput",
    "VerifyResult",
]
