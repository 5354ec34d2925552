"""Phase 6: check the on-premises VM with Azure Monitor Logs (H6); on failure hold for a person."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from functools import partial
from typing import Any

from domain import timeline
from domain.poll_plan import verify_wait
from domain.run_names import GATE_VERIFICATION
from orchestrators.durable import iso
from orchestrators.runbook.run import Run
from orchestrators.variants import ActivityCall

#: Between two verification attempts.
VERIFY_POLL = timedelta(minutes=2)


def verify(run: Run) -> Generator[Any, Any, None]:
    """6. Verify until it passes or the window ends; a person may have to confirm; never commit on failure."""
    state = run.state
    check = state.request.verification
    since = state.now
    deadline = since + timedelta(minutes=check.window_minutes)
    payload = {
        "workspaceId": check.workspace_id,
        "computer": check.computer,
        "since": iso(since),
        "checks": [c.to_dict() for c in check.checks],
    }
    computers = state.variant.computers(state.run_facts())
    attempt = 0
    while True:  # queries follow ingestion latency (domain.poll_plan.verify_wait; issue 14)
        wait = verify_wait(since, state.now, attempt)
        yield from run.cancel.await_task(state.ctx.create_timer(state.now + wait))
        attempt += 1
        state.publish(step=f"verification attempt {attempt}")
        results = []
        for computer in computers:  # a recovery plan checks each of its VMs
            call = ActivityCall("verify_onprem", {**payload, "computer": computer})
            # a Log Analytics outage is waited out (H12); the window does not count the wait
            results.append((yield from run.azure.persist("verify", partial(run.jobs.activity, call))))
        state.verification = results[0] if len(results) == 1 else merge_verifications(computers, results)
        if state.verification.get("passed"):
            break
        waited = timedelta(seconds=run.azure.waited_seconds)
        if state.now + verify_wait(since, state.now, attempt) > deadline + waited:
            yield from run.gates.hold_for_decision()
            return
    if check.human_confirmation:
        result = yield from run.gates.ask(
            GATE_VERIFICATION,
            {
                "what": "Sign in to the on-premises VM and confirm it works; approving commits the failover.",
                "computer": check.computer,
                "verification": state.verification,
            },
        )
        if result.get("decision") != "approved":
            yield from run.gates.hold_for_decision()
            return
    state.note(timeline.ONPREM_VERIFIED, computer=", ".join(computers))


def merge_verifications(computers: list[str], results: list[dict[str, Any]]) -> dict[str, Any]:
    """One verification result for several VMs: passed when every VM passed."""
    checks = [
        {**c, "name": f"{computer}: {c.get('name')}"}
        for computer, result in zip(computers, results, strict=True)
        for c in result.get("checks") or []
    ]
    return {"passed": all(r.get("passed") for r in results), "checks": checks}
