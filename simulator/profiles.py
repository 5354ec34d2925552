"""Profiles: the plausible variants of what no recording of the real service settles.

``simulator/RECORDED.md`` lists what the real Site Recovery service was recorded doing (facts,
R-ids) and what no recording shows (guesses, G-ids). The simulator follows the facts always; for
each guess it offers the plausible variants, and a profile picks one variant per guess. The
end-to-end suite runs the main flow of every kind under every profile, so the product cannot rest
on one guess. ``python -m simulator start --profile NAME``; ``POST /_sim/reset {"profile": NAME}``.

A variant is a plain field of ``Profile``; models read ``world.profile.<field>``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Profile:
    """One choice per guess (see ``simulator/RECORDED.md``, section Guesses).

    Attributes:
        name: the profile's name.
        description: one line for ``/_sim/profiles`` and the README.
        failback_wait: G1, how a ForDownTime failback job waits after sync phase 1 for the
            "complete failover" action: ``suspended`` (job ``Suspended``, ``allowedActions``
            ``[Resume]``) or ``inprogress`` (job stays ``InProgress``; only the waiting task is
            ``Suspended`` and the job's ``allowedActions`` still offer ``Resume``).
        resume_job: G3, whether resuming a job keeps its id (``same``) or the work continues in a
            new job (``new``) that the item's ``currentScenario.jobId`` then names.
        item_lro_id: G4, whether an item operation's LRO id is its job's name (``job``, as the item
            recordings show) or another id (``differs``, as the plan recordings show for plans).
        job_filter: G7, the job list ``$filter`` grammar: ``lenient`` (unknown clauses ignored) or
            ``strict`` (an unknown clause is a 400).
        conflict_code: G8, the error code of a 409 for an operation the item does not allow now.
        failback_tasks: G5, the Hyper-V failback job's task ``name``s: ``named`` (descriptive names
            such as ``SynchronizeDataBeforeFailover``) or ``coded`` (``VmPfo…`` codes like the one
            recorded for its prerequisites check, R52); friendly names are the same in both.
        plan_result: G6, what ``operationresults`` of a finished recovery-plan operation answers:
            ``"200"`` (the RecoveryPlan body, as recorded for plan reprotect) or ``"204"`` (empty, as
            recorded for plan failback; R23).
        plan_reprotect: G12, plan-level ``reProtect``: ``ok`` (R28, scenario ``ReverseReplication``)
            or ``refused`` (400, the SDK docstring's "deprecated, no longer works").
    """

    name: str
    description: str
    failback_wait: str = "suspended"
    resume_job: str = "same"
    item_lro_id: str = "job"
    job_filter: str = "lenient"
    conflict_code: str = "OperationNotAllowed"
    failback_tasks: str = "named"
    plan_result: str = "200"
    plan_reprotect: str = "ok"

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON (for the control API)."""
        return asdict(self)


RECORDED = Profile(
    "recorded",
    "every recorded fact, and for each guess the variant closest to the recordings (default)",
)

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        RECORDED,
        replace(
            RECORDED,
            name="wait-inprogress",
            description="G1/G5: a ForDownTime job waits InProgress, one task Suspended; task names are codes",
            failback_wait="inprogress",
            failback_tasks="coded",
        ),
        replace(
            RECORDED,
            name="new-job-ids",
            description="G3/G4/G6: resume continues in a new job; item LRO ids are not job names; "
            "plan operation results are 204",
            resume_job="new",
            item_lro_id="differs",
            plan_result="204",
        ),
        replace(
            RECORDED,
            name="strict-service",
            description="G7/G8/G6/G12: unknown $filter clauses are a 400; refusals carry ASR's numeric "
            "codes; plan operation results are 204; plan re-protect is refused",
            job_filter="strict",
            conflict_code="28086",
            plan_result="204",
            plan_reprotect="refused",
        ),
    )
}


def get(name: str | None) -> Profile:
    """The profile called ``name`` (``None``: the default).

    Raises:
        KeyError: an unknown name; the message lists the known ones.
    """
    if not name:
        return RECORDED
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"Unknown profile '{name}'. Known: {', '.join(PROFILES)}.") from None
