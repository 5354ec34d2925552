"""A failback run's state, timeline and custom status (docs/contracts.md §6), and how a run stops.

``RunState`` holds what one run knows; replay rebuilds it from history on every episode.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import azure.durable_functions as df

from domain import phases, timeline
from domain.contracts import CancelAnswer, CustomStatus, Progress, RunInput, SealedCallback
from domain.errors import remedy_for
from domain.request import FailbackRequest
from domain.run_names import (
    AZURE_WAIT_FIRST_TRY,
    AZURE_WAIT_KEY,
    DECISIONS_BY_GATE,
    DECISIONS_BY_GATES,
    DECISIONS_KEY,
    Outcome,
)
from orchestrators.durable import event_payload, iso, log_info
from orchestrators.variants import RunFacts, Variant, variant_for

#: Timeline events also shown in the custom status (bounded: it must stay far below 16 KB).
MILESTONES = (
    timeline.PHASE_STARTED,
    timeline.PHASE_FINISHED,
    timeline.JOB_STARTED,
    timeline.JOB_ADOPTED,
    timeline.JOB_FINISHED,
    timeline.DECISION,
    timeline.AZURE_VM_SHUTDOWN,
    timeline.ONPREM_VERIFIED,
)
MAX_STATUS_TIMELINE = 40


class RunStopped(Exception):  # noqa: N818 - a control-flow signal, mostly not an error
    """The run ends before the end of the runbook, with an outcome and what to do next."""

    def __init__(
        self, outcome: Outcome, message: str, *, code: str | None = None, advice: str | None = None
    ) -> None:
        self.outcome = outcome
        self.message = message
        self.code = code
        self.advice = advice
        super().__init__(f"{outcome}: {message}")

    def error(self) -> dict[str, Any] | None:
        """``{code, message, remedy}`` for the report, or ``None`` for a clean stop."""
        if self.code is None:
            return None
        return {"code": self.code, "message": self.message, "remedy": self.advice or remedy_for(self.code)}


class RunState:
    """One failback run's state, replayed from history on every episode.

    Attributes kept here are rebuilt by replay; nothing else persists.
    """

    def __init__(self, context: df.DurableOrchestrationContext) -> None:
        self.ctx = context
        data = cast(RunInput, event_payload(context.get_input()))  # plain JSON, read as its contract
        self.run_id = str(data.get("runId") or context.instance_id)
        self.request_dict: dict[str, Any] = dict(data["request"])
        self.request = FailbackRequest.from_dict(self.request_dict)
        self.initiator = str(data.get("initiator") or "anonymous")
        #: commit-anyway is a gate (approval policy, links, quorum); runs started before keep the
        #: route-level ``VerificationDecision`` hold they replay (docs/workflow.md, compatibility)
        self.decisions_by_gate = data.get(DECISIONS_KEY) in (DECISIONS_BY_GATE, DECISIONS_BY_GATES)
        #: the decision on a wait for Azure is a gate too; runs started before keep the route-level
        #: ``AzureWaitDecision`` they replay (``orchestrators.runbook.azure_wait``)
        self.azure_wait_by_gate = data.get(DECISIONS_KEY) == DECISIONS_BY_GATES
        #: after the switchover, trouble shows as "waiting for Azure" from the first failed try (runs
        #: started before retry each activity out of sight first, and replay that way)
        self.azure_wait_first_try = data.get(AZURE_WAIT_KEY) == AZURE_WAIT_FIRST_TRY
        #: set by ``AzureWait.persist`` around a step's attempt: activities and job reads try once
        self.one_try = False
        #: the callback target the HTTP layer sealed (its ``sig=`` is a secret; only post_callback opens it)
        self.sealed_callback: SealedCallback | dict[str, Any] = dict(data.get("callback") or {})
        self.variant: Variant = variant_for(self.request.kind)
        self.timeline: list[Mapping[str, Any]] = []
        self.phase = phases.PREFLIGHT
        self.step = "starting"
        self.awaiting: str | None = None
        #: the approval gate open right now, published so a cancel can close it (function_app.run_cancel)
        self.open_gate: str | None = None
        self.message = ""
        self.job_id: str | None = None
        self.tracker: str | None = None
        self.progress: Progress | None = None
        self.facts: RunFacts | None = None
        #: ``{name, friendlyName}`` of the item once pre-flight resolved it: published so a
        #: request naming the item the other way finds this run (one run per item).
        self.resolved_item: dict[str, str] | None = None
        self.preflight_result: dict[str, Any] | None = None
        self.verification: dict[str, Any] | None = None
        self.switchover_done = False
        #: the Azure VM was asked to shut down: from here on transient trouble is waited out (H12)
        self.switchover_requested = False
        #: the stage past the switchover pre-flight adopted (``domain.adoption``), with the phases it skips
        self.adopted: dict[str, Any] | None = None
        #: ``{id, disks}``: the master target a VMware re-protect attaches this VM's disks to (V3, summed
        #: over live runs by the HTTP layer)
        self.master_target: dict[str, Any] | None = None
        #: published while the run waits for Azure (``orchestrators.runbook.azure_wait``)
        self.azure_wait: dict[str, Any] | None = None
        self.cancel_answer: CancelAnswer | None = None
        self.cancel_accepted = False
        #: a cancel refused while phase 1 synchronized, to apply at the approval gate (alerts ask so)
        self.deferred_cancel: dict[str, Any] | None = None
        self.plan: dict[str, Any] | None = None
        #: what reverse replication reached (R9/R10: Protected, RPO within the request's SLA)
        self.reprotection: dict[str, Any] | None = None
        self.phase1: dict[str, Any] | None = None  # sync phase 1's job result, for the approver
        self.checklist: list[Any] | None = None  # V3 items the approver attests (variants)

    @property
    def now(self) -> datetime:
        """The orchestration's deterministic time."""
        return self.ctx.current_utc_datetime

    def run_facts(self) -> RunFacts:
        """What pre-flight found (the phases after it may rely on it)."""
        assert self.facts is not None, "pre-flight sets the run's facts"
        return self.facts

    def note(self, event: str, **detail: Any) -> None:
        """Append a timeline entry at the current time."""
        self.timeline.append(timeline.timeline_entry(iso(self.now), self.phase, event, **detail))

    def publish(self, step: str | None = None, message: str | None = None) -> None:
        """Set the custom status (docs/contracts.md §6), kept small."""
        if step is not None:
            self.step = step
        if message is not None:
            self.message = message
        status: CustomStatus = {
            "phase": self.phase,
            "step": self.step,
            "progress": self.progress,
            "jobId": self.job_id,
            "awaiting": self.awaiting,
            "message": self.message,
        }
        if self.open_gate:
            status["gate"] = self.open_gate
        if self.resolved_item:
            status["item"] = self.resolved_item
        if self.tracker:
            status["tracker"] = self.tracker
        status["timeline"] = self._compact_timeline()
        if self.cancel_answer:
            status["cancel"] = self.cancel_answer
        if self.azure_wait:
            status["azureWait"] = self.azure_wait
        if self.master_target:
            status["masterTarget"] = self.master_target
        self.ctx.set_custom_status(status)

    def _compact_timeline(self) -> list[dict[str, Any]]:
        # The milestones only, so GET /api/failbacks/{id} can show them while the run is live;
        # the full timeline is in the report.
        keep = ("at", "phase", "event", "jobId", "state", "decision", "by", "gate")
        out = [{k: e[k] for k in keep if k in e} for e in self.timeline if e.get("event") in MILESTONES]
        return out[-MAX_STATUS_TIMELINE:]

    def enter(self, phase: str) -> None:
        """Start a phase: timeline, status, log."""
        self.phase = phase
        self.awaiting = None
        self.progress = None
        self.tracker = None
        self.note(timeline.PHASE_STARTED)
        self.publish(step="started", message=phases.DESCRIPTIONS.get(phase, phase))
        log_info(
            self.ctx, f"run {self.run_id}: phase {phase}", runId=self.run_id, phase=phase, jobId=self.job_id
        )

    def leave(self) -> None:
        """Finish the current phase."""
        self.note(timeline.PHASE_FINISHED)
