"""The failback phases 1-8 (W1, seeds 000/001), one generator each.

The variant of the request's kind (``orchestrators.variants``) says which
activity carries out each ASR step; ``orchestrators.failback`` runs the phases
in the variant's order and writes the report (phase 9).
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

from domain import phases
from domain import report as reports
from domain.approval_summary import phase1_result, switchover_facts
from domain.items import item_ref
from domain.preflight import failure_summary
from domain.reprotect_policy import protection_report
from domain.runs import dry_run_plan, estimate_downtime
from domain.sync_policy import resolve_data_sync
from domain.vmware_checks import retention_gave_up
from orchestrators.durable import event_payload, iso
from orchestrators.run_state import (
    CANCELLED,
    DRY_RUN,
    GATE_SWITCHOVER,
    GATE_VERIFICATION,
    GATE_WINDOW,
    LEFT_MANUAL,
    NOT_APPROVED,
    REJECTED,
    VERIFICATION_EVENT,
    WINDOW_MISSED,
    RunStopped,
)
from orchestrators.run_steps import RunSteps
from orchestrators.variants import ActivityCall, RunFacts

#: How long a failed verification holds for a decision; the run never commits by itself.
DECISION_TIMEOUT = timedelta(days=3)
#: Between two verification attempts.
VERIFY_POLL = timedelta(minutes=2)


class RunPhases(RunSteps):
    """The phases of the runbook."""

    def preflight(self) -> Generator[Any, Any, None]:
        """1. Check every precondition (H2); nothing changes in ASR."""
        self.enter(phases.PREFLIGHT)
        self.publish(step="checking")
        result = yield from self.preflight_waiting(self.variant.preflight(self.request, self.request_dict))
        self.preflight_result = {"passed": result.get("passed"), "checks": result.get("checks") or []}
        self.checklist = result.get("checklist")
        facts = dict(result.get("facts") or {})
        sync = resolve_data_sync(self.request.data_sync, facts, self.request.location, self.now)
        if result.get("recommendation", {}).get("source") == "variant":
            sync = dict(result["recommendation"])  # the variant decides how data is synchronized
        details: dict[str, Any] = {k: result[k] for k in ("inputs", "plan") if k in result}
        ref = result.get("item") or (item_ref(facts) if facts.get("name") else {})
        self.facts = RunFacts(self.request, ref, sync, facts, details)
        resolved = {"name": ref.get("name") or facts.get("name"), "friendlyName": facts.get("friendlyName")}
        self.resolved_item = {k: str(v) for k, v in resolved.items() if v}
        self.publish()  # the status names the item both ways from now on (contracts §6)
        self.note(
            reports.NOTE,
            passed=bool(result.get("passed")),
            dataSync=sync["dataSyncOption"],
            reason=sync["reason"],
        )
        if self.cancel_accepted:
            raise RunStopped(CANCELLED, "Cancelled during pre-flight; nothing was changed in ASR.")
        if self.request.dry_run:
            self.plan = dry_run_plan(self.request, facts, sync, self.preflight_result)
            raise RunStopped(DRY_RUN, "Dry run: pre-flight done, the plan is in the report; nothing changed.")
        if not result.get("passed"):
            raise RunStopped(
                REJECTED, failure_summary(self.preflight_result["checks"]), code="PREFLIGHT_FAILED"
            )
        self.leave()

    def preflight_waiting(self, call: ActivityCall) -> Generator[Any, Any, dict[str, Any]]:
        """Run the pre-flight, waiting while it names something that only needs time.

        Seed 002: a retention drive added to the master target takes up to 15 minutes to appear. While
        the pre-flight's ``waitFor`` says so, refresh the configuration server once and check again after
        a durable timer, within ``forSeconds``; then the failed check's remedy says it did not appear.
        """
        result: dict[str, Any] = yield from self.activity(call)
        first, refreshed = self.now, False
        while not result.get("passed") and result.get("waitFor") and not self.request.dry_run:
            wait = result["waitFor"]
            every = timedelta(seconds=int(wait.get("everySeconds") or 120))
            if self.now - first + every > timedelta(seconds=int(wait.get("forSeconds") or 0)):
                for check in result.get("checks") or []:
                    if check.get("id") == wait.get("check") and not check.get("passed"):
                        check["remedy"] = retention_gave_up(wait)
                break
            if not refreshed and wait.get("refresh"):
                payload = {"vault": self.request.vault.to_dict(), **wait["refresh"]}
                yield from self.activity(ActivityCall("refresh_configuration_server", payload))
                refreshed = True
            self.note(reports.NOTE, detail=f"waiting {every}: {wait.get('reason')}")
            self.publish(step="waiting", message=str(wait.get("reason")))
            yield from self.await_task(self.ctx.create_timer(self.now + every))
            if self.cancel_accepted:
                break
            result = yield from self.activity(call)
        return result

    def sync_phase_1(self) -> Generator[Any, Any, None]:
        """2. Start the planned failover (adopting one under way); wait until ASR suspends the job."""
        assert self.facts is not None
        result: dict[str, Any] = {}
        for call in self.variant.start_steps(self.facts):
            result = yield from self.job_with_retries(call, stop_when_suspended=True)
        self.phase1 = phase1_result(result, self.job_id)  # job, state, data synchronized: for the approver
        if result.get("state") == "Succeeded" and self.variant.suspends_after_start(self.facts):
            # Resumed outside the workflow: the switchover already happened.
            self.switchover_done = True
            self.note(
                reports.NOTE, detail="job completed without waiting for approval (resumed outside the run)"
            )

    def approval(self) -> Generator[Any, Any, None]:
        """3. The approval gate (W2): reject, timeout or cancel keep the Azure VM running."""
        assert self.facts is not None
        summary = {
            "item": self.facts.item.get("name") or self.request.item.label,
            "friendlyName": self.facts.facts.get("friendlyName"),
            "jobId": self.job_id,
            "initiator": self.initiator,
            "what": "Approve to shut down the Azure VM and start the on-premises VM.",
            # vm, dataToTransferGB, downtimeEstimateMinutes, expectedDowntime, recommendation (contracts §7)
            **switchover_facts(self.facts.facts, self.facts.sync, self._phase1_seconds()),
        }
        if self.preflight_result:  # the approval page shows what was checked, with evidence
            summary["preflight"] = self.preflight_result["checks"]
        if self.phase1:
            summary["phase1"] = self.phase1
        if self.checklist:
            summary["checklist"] = self.checklist  # V3 rules no API shows: the approver attests them
        approved = self.request.extra.get("preApproved")
        if approved:  # waves: the wave's gate already decided for every VM in it
            self.note(
                reports.DECISION,
                gate=GATE_SWITCHOVER,
                decision="approved",
                by=approved.get("by"),
                comment=approved.get("gate"),
            )
            return
        result = yield from self.gate(GATE_SWITCHOVER, summary)
        if self.cancel_accepted or result.get("decision") == "cancelled":
            yield from self.abandon(
                CANCELLED, "Cancelled while waiting for approval; the Azure VM keeps running."
            )
        if result.get("decision") != "approved":
            yield from self.abandon(
                NOT_APPROVED,
                f"Approval {result.get('decision')}: the Azure VM keeps running; a new failback can start.",
            )

    def _phase1_seconds(self) -> float | None:
        """How long sync phase 1 took in this run (``None`` when it did not run)."""
        durations = reports.phase_durations(self.timeline)
        return next((d["seconds"] for d in durations if d["phase"] == phases.SYNC), None)

    def window(self) -> Generator[Any, Any, None]:
        """4. Wait for the maintenance window; a closed or closing window asks for approval again."""
        assert self.facts is not None and self.request.maintenance_window is not None
        start, end = self.request.maintenance_window.bounds()
        if self.now < start:
            self.awaiting = "window"
            self.publish(
                step="waiting for the window", message=f"Waiting for the maintenance window at {iso(start)}"
            )
            timer = self.ctx.create_timer(start)
            done = yield from self.await_any([timer], stop_on_cancel=True)
            self.awaiting = None
            if done is None:
                yield from self.abandon(CANCELLED, "Cancelled while waiting for the maintenance window.")
        needed = timedelta(
            seconds=estimate_downtime(float(self.facts.facts.get("diskSizeGB") or 0), self.facts.data_sync)[
                "seconds"
            ]
        )
        if self.now + needed > end:
            self.note(reports.NOTE, detail=f"maintenance window closes at {iso(end)}; holding for a decision")
            result = yield from self.gate(
                GATE_WINDOW,
                {
                    "what": "The maintenance window has closed (or closes before the switchover can finish). "
                    "Approve to switch over now anyway, or reject to leave the VM in Azure.",
                    "windowEnd": iso(end),
                    "jobId": self.job_id,
                },
            )
            if self.cancel_accepted or result.get("decision") != "approved":
                outcome = CANCELLED if self.cancel_accepted else WINDOW_MISSED
                yield from self.abandon(outcome, "Maintenance window missed: the Azure VM keeps running.")

    def switchover(self) -> Generator[Any, Any, None]:
        """5. Shut down the Azure VM, transfer the remaining data, start the on-premises VM."""
        assert self.facts is not None
        self.note(reports.AZURE_VM_SHUTDOWN, jobId=self.job_id)
        job_id = yield from self.start_job(self.variant.switchover(self.facts, self.job_id))
        yield from self.wait_job(job_id)

    def verify(self) -> Generator[Any, Any, None]:
        """6. Check the on-premises VM with Azure Monitor Logs; on failure hold for a person (H6)."""
        assert self.facts is not None
        check = self.request.verification
        since = self.now
        deadline = since + timedelta(minutes=check.window_minutes)
        payload = {
            "workspaceId": check.workspace_id,
            "computer": check.computer,
            "since": iso(since),
            "checks": [c.to_dict() for c in check.checks],
        }
        computers = self.variant.computers(self.facts)
        attempt = 0
        while True:
            attempt += 1
            self.publish(step=f"verification attempt {attempt}")
            results = []
            for computer in computers:  # a recovery plan checks each of its VMs
                call = ActivityCall("verify_onprem", {**payload, "computer": computer})
                results.append((yield from self.activity(call)))
            self.verification = results[0] if len(results) == 1 else merge_verifications(computers, results)
            if self.verification.get("passed"):
                break
            if self.now + VERIFY_POLL > deadline:
                yield from self.hold_for_decision()
                return
            yield from self.await_task(self.ctx.create_timer(self.now + VERIFY_POLL))
        if check.human_confirmation:
            result = yield from self.gate(
                GATE_VERIFICATION,
                {
                    "what": "Sign in to the on-premises VM and confirm it works; approving commits the "
                    "failover.",
                    "computer": check.computer,
                    "verification": self.verification,
                },
            )
            if result.get("decision") != "approved":
                yield from self.hold_for_decision()
                return
        self.note(reports.ONPREM_VERIFIED, computer=", ".join(computers))

    def hold_for_decision(self) -> Generator[Any, Any, None]:
        """Verification failed: no commit until a person decides; never commit on timeout."""
        failed = [c.get("name") for c in (self.verification or {}).get("checks") or [] if not c.get("passed")]
        self.awaiting = "verification-decision"
        self.publish(
            step="holding",
            message=(
                f"Verification failed ({', '.join(str(n) for n in failed) or 'no heartbeat'}). "
                "Not committed. "
                f"POST /api/failbacks/{self.run_id}/verification with commit-anyway or leave-manual."
            ),
        )
        decision = self.ctx.wait_for_external_event(VERIFICATION_EVENT)
        timeout = self.ctx.create_timer(self.now + DECISION_TIMEOUT)
        winner = yield from self.await_any([decision, timeout])
        self.awaiting = None
        if winner is decision:
            timeout.cancel()
            payload = event_payload(decision.result)
            choice = payload.get("decision")
            self.note(
                reports.DECISION,
                gate="verification-decision",
                decision=choice,
                by=payload.get("by"),
                comment=payload.get("comment"),
            )
            if choice == "commit-anyway":
                self.note(
                    reports.ONPREM_VERIFIED,
                    computer=self.request.verification.computer,
                    by=payload.get("by"),
                    manual=True,
                )
                return
            raise RunStopped(
                LEFT_MANUAL,
                "Verification failed; left for manual work by decision. Not committed.",
                code="VERIFY_FAILED",
            )
        self.note(reports.DECISION, gate="verification-decision", decision="timeout", by=None)
        raise RunStopped(
            LEFT_MANUAL,
            "Verification failed and nobody decided in time; not committed.",
            code="VERIFY_FAILED",
        )

    def commit(self) -> Generator[Any, Any, None]:
        """7. Commit the failover (deletes the Azure VM and its disks, H7)."""
        assert self.facts is not None
        call = self.variant.commit(self.facts)
        if self.job_id:  # never adopt a commit older than our failback job (R5: FinalizeFailback)
            call = ActivityCall(call.name, {**call.input, "afterJobId": self.job_id})
        job_id = yield from self.start_job(call)
        yield from self.wait_job(job_id)

    def reprotect(self) -> Generator[Any, Any, None]:
        """8. Reverse replication, then wait until the item is protected again within the RPO SLA (H8).

        R9/R10: the re-protect job ends while the initial replication runs; the wait goes on until
        the item is ``Protected`` with an RPO within ``reverseReplication.rpoSlaMinutes``, at most
        ``maxWaitHours``. Past that bound the failback still succeeded: the report warns.
        """
        assert self.facts is not None
        for call in self.variant.reprotect_steps(self.facts):
            result = yield from self.job_with_retries(call, until_protected=True, item=call.input.get("item"))
            started = (result.get("snapshot") or {}).get("startTime")
            self.reprotection = protection_report(result, started)
            self.note(
                reports.NOTE,
                detail="reverse replication: "
                + ("within the RPO SLA" if self.reprotection["withinSla"] else "NOT within the RPO SLA"),
                rpoSeconds=self.reprotection["rpoSeconds"],
                protectionState=self.reprotection["protectionState"],
            )


def merge_verifications(computers: list[str], results: list[dict[str, Any]]) -> dict[str, Any]:
    """One verification result for several VMs: passed when every VM passed."""
    checks = [
        {**c, "name": f"{computer}: {c.get('name')}"}
        for computer, result in zip(computers, results, strict=True)
        for c in result.get("checks") or []
    ]
    return {"passed": all(r.get("passed") for r in results), "checks": checks}
