"""One failback run, composed: its state, the cancel listener, its jobs and its gates."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import azure.durable_functions as df

from domain import phases
from orchestrators.runbook.azure_wait import AzureWait
from orchestrators.runbook.cancel import CancelListener
from orchestrators.runbook.gates import Gates
from orchestrators.runbook.jobs import Jobs
from orchestrators.runbook.state import RunState

#: Skipped once the switchover happened (e.g. the job was resumed outside the run).
BEFORE_SWITCHOVER = (phases.APPROVAL, phases.WINDOW, phases.SWITCHOVER)

Step = Callable[["Run"], Generator[Any, Any, None]]


class Run:
    """The collaborators of one run; the phases (``preflight``, ``steps``, ``verify``) use them.

    Attributes:
        state: what the run knows, its timeline and custom status.
        cancel: the listener every wait goes through.
        jobs: activities and ASR jobs.
        gates: approval gates and the hold for a decision.
        azure: after the switchover, waits out transient Azure trouble (H12).
    """

    def __init__(self, context: df.DurableOrchestrationContext) -> None:
        self.state = RunState(context)
        self.cancel = CancelListener(self.state)
        self.jobs = Jobs(self.state, self.cancel)
        self.gates = Gates(self.state, self.cancel)
        self.azure = AzureWait(self.state, self.cancel)

    def takes(self, phase: str) -> bool:
        """Whether this run goes through ``phase``: the variant chooses the phases, never their order."""
        state = self.state
        if state.switchover_done and phase in BEFORE_SWITCHOVER:
            return False
        if state.adopted and phase in state.adopted.get("skip", ()):  # ASR is past it (issue 12, part 4)
            return False
        return phase in state.variant.phase_order(state.run_facts())

    def phase(self, phase: str, step: Step) -> Generator[Any, Any, None]:
        """Run ``step`` as ``phase`` (timeline, status) when the run goes through it."""
        if not self.takes(phase):
            return
        self.state.enter(phase)
        yield from step(self)
        self.state.leave()
