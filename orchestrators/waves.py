"""Waves: many VMs failed back in ordered waves, each VM a sub-orchestration (issue 7).

One job, over 300 lines: ``WavesRun`` is one orchestration's state and steps; split, its
generator methods would pass that state around instead of reading it.

A ``waves`` request (``domain.request.variants``) runs here, inside ``failback_orchestrator``
(the HTTP layer starts every kind the same way). For each wave in order:

1. approval: one ``approval_gate`` per wave (``wavePolicy.approval = per-wave``) or one
   before the first wave for all (``once``); anything but approved stops before the wave;
2. the wave's VMs run as ``failback_orchestrator`` sub-orchestrations (the same runbook as a
   single VM, kind ``wavePolicy.vmKind``), at most ``wavePolicy.parallelism`` at a time,
   pre-approved by the wave's gate and with vault-level shared polling (``sharedPolling``:
   job and item reads come from one vault-level list per tick, ``activities.vault_cache``)
   so ARM reads do not grow with the number of VMs waiting;
3. ``stopOnFailure``: after a VM fails no further VM starts (running ones finish) and no
   further wave starts.

Alternate location works per VM (``targetHost`` per item or for all), which ASR recovery
plans cannot do (H2e). The output is the waves report: one line per VM with its outcome.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from domain import report as reports
from domain.approval_summary import hyperv_checklist
from domain.request import EACH_VM
from domain.run_names import (
    AZURE_WAIT_FIRST_TRY,
    AZURE_WAIT_KEY,
    CANCEL_EVENT,
    DECISIONS_BY_GATES,
    DECISIONS_KEY,
    child_instance_id,
    vm_label,
)
from domain.vmware import CHECKLIST, MODERNIZED_CHECKLIST
from orchestrators.approval_gate import call_gate
from orchestrators.durable import event_payload, iso, log_info

WAVE_CHECKLISTS = {"vmware-classic": CHECKLIST, "vmware-modernized": MODERNIZED_CHECKLIST}

#: Keys of a waves request that a VM's own request does not carry.
_WAVE_ONLY = ("waves", "wavePolicy", "callbackUrl", "dryRun")
MAX_STATUS_VMS = 20


def child_request(request: dict[str, Any], entry: dict[str, Any], approved: dict[str, Any]) -> dict[str, Any]:
    """The normalized request of one VM: the waves request's settings for this VM."""
    policy = request.get("wavePolicy") or {}
    child = {k: v for k, v in request.items() if k not in _WAVE_ONLY}
    child["kind"] = policy.get("vmKind", "hyperv")
    child["item"] = {k: entry[k] for k in ("name", "friendlyName") if entry.get(k)}
    child["targetHost"] = entry.get("targetHost") or request.get("targetHost")
    verification = dict(request["verification"])
    if verification.get("computer") in (None, EACH_VM):
        verification["computer"] = vm_label(entry)
    child["verification"] = verification
    child["callbackUrl"] = None
    child["dryRun"] = bool(request.get("dryRun"))  # a rehearsal of the waves rehearses every VM
    child["preApproved"] = approved
    child["sharedPolling"] = True
    return child


class WavesRun:
    """One waves run, replayed from history on every episode."""

    def __init__(self, context: df.DurableOrchestrationContext) -> None:
        self.ctx = context
        data = event_payload(context.get_input())
        self.run_id = str(data.get("runId") or context.instance_id)
        self.request: dict[str, Any] = dict(data["request"])
        self.initiator = str(data.get("initiator") or "anonymous")
        self.policy: dict[str, Any] = dict(self.request.get("wavePolicy") or {})
        self.waves: list[dict[str, Any]] = list(self.request.get("waves") or [])
        self.results: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.phase = "waves"
        self.step = "starting"
        self.awaiting: str | None = None
        #: The gate open right now; published so a cancel can close it (function_app.run_cancel).
        self.open_gate: str | None = None
        self.message = ""
        self.started_at = iso(context.current_utc_datetime)
        self.dry = bool(self.request.get("dryRun"))
        self.cancel_answer: dict[str, Any] | None = None
        self._cancel_waiter: Any = None

    def await_any(self, tasks: list[Any]) -> Generator[Any, Any, Any]:
        """The first of ``tasks`` to finish, answering a ``CancelRequest`` meanwhile (``None`` then).

        One event waiter lives from the first wait until a cancel arrives, so no wait ever
        adds an event as its only new action. After a cancel, no further VM or wave starts;
        running VM runs finish (each can be cancelled on its own id).
        """
        if self.cancel_answer is None and self._cancel_waiter is None:
            self._cancel_waiter = self.ctx.wait_for_external_event(CANCEL_EVENT)
        parts = [*tasks, self._cancel_waiter] if self.cancel_answer is None else list(tasks)
        winner = yield self.ctx.task_any(parts)
        if self.cancel_answer is None and winner is self._cancel_waiter:
            payload = event_payload(winner.result)
            self.cancel_answer = {
                "requestId": payload.get("requestId"),
                "by": payload.get("by"),
                "accepted": True,
                "code": "CANCELLED",
                "reason": "No further VM or wave starts; VM runs already started finish "
                "(cancel each on its own id if needed).",
            }
            self.decisions.append({"gate": "cancel", "decision": "cancel-accepted", "by": payload.get("by")})
            self.publish("cancel accepted", self.cancel_answer["reason"])
            return None
        return winner

    def publish(self, step: str, message: str = "") -> None:
        """Custom status: the current wave, counts and the latest VM outcomes (kept small)."""
        self.step, self.message = step, message or self.message
        done = [r for r in self.results if r["outcome"] == "succeeded"]
        failed = [r for r in self.results if r["outcome"] != "succeeded"]
        self.ctx.set_custom_status(
            {
                "phase": self.phase,
                "step": self.step,
                "progress": {
                    "task": self.step,
                    "percent": round(100.0 * len(self.results) / max(1, self.total), 1),
                    "etaSeconds": None,
                },
                "jobId": None,
                "awaiting": self.awaiting,
                "gate": self.open_gate,
                "message": self.message,
                "waves": {"total": self.total, "succeeded": len(done), "failed": len(failed)},
                # compact: the custom status must stay far below 16 KB; the report has the details
                "latest": [
                    {
                        "wave": r["wave"],
                        "vm": r["vm"],
                        "outcome": r["outcome"],
                        "code": (r.get("error") or {}).get("code"),
                    }
                    for r in self.results[-MAX_STATUS_VMS:]
                ],
                **({"cancel": self.cancel_answer} if self.cancel_answer else {}),
            }
        )

    @property
    def total(self) -> int:
        """VMs in all waves."""
        return sum(len(w["items"]) for w in self.waves)

    def gate(self, n: int, names: list[str]) -> Generator[Any, Any, dict[str, Any]]:
        """The approval of wave ``n`` (or of every wave when approval is ``once``)."""
        gate = f"wave-{n + 1}" if self.policy.get("approval") == "per-wave" else "waves"
        policy = dict(self.request["approval"])  # the gate reads timeoutHours (no timeoutSeconds: unread)
        scope = (
            f"wave {n + 1} ({self.waves[n]['name']})" if gate != "waves" else f"all {len(self.waves)} waves"
        )
        summary = {
            "item": self.request["item"].get("name"),
            "what": f"Approve the failback of {scope}: {len(names)} VMs; each Azure VM is shut down when "
            "its switchover starts.",
            "vms": names[:50],
            "wave": scope,
            "initiator": self.initiator,
        }
        checklist = WAVE_CHECKLISTS.get(str(self.policy.get("vmKind")))
        if checklist is None and self.request.get("location") == "alternate":
            checklist = hyperv_checklist("alternate")  # H9: the new hosts' Windows/Hyper-V role, vSwitch
        if checklist:  # V3 items no API shows, attested once for every VM of the wave
            summary["checklist"] = checklist
        self.awaiting, self.open_gate = "approval", gate
        self.publish(f"awaiting {gate} approval")
        task = call_gate(
            self.ctx, run_id=self.run_id, gate=gate, policy=policy, summary=summary, initiator=self.initiator
        )
        winner = yield from self.await_any([task])
        self.awaiting, self.open_gate = None, None
        if winner is None:  # cancelled while waiting: the gate closes at its own timeout
            return {"decision": "cancelled", "by": (self.cancel_answer or {}).get("by"), "gate": gate}
        result = dict(task.result or {})
        self.decisions.append(
            {
                "gate": gate,
                "decision": result.get("decision"),
                "by": result.get("by"),
                "comment": result.get("comment"),
                **reports.gate_record(result),
            }
        )
        return {**result, "gate": gate}

    def run_wave(self, n: int, approved: dict[str, Any]) -> Generator[Any, Any, bool]:
        """Run the VMs of wave ``n``; whether every VM succeeded.

        At most ``parallelism`` VM runs at once and at most ``startsPerMinute`` starts per
        minute of orchestration time: the ramp keeps hundreds of VMs from moving in lockstep,
        so the reads that go with each ASR write (read-before-write) do not all land in one
        minute.
        """
        pending = list(self.waves[n]["items"])
        active: dict[int, tuple[dict[str, Any], Any]] = {}
        limit = int(self.policy.get("parallelism") or 10)
        # A dry run only reads (pre-flight, shared per tick): no ramp, and every VM is checked.
        rate = 0 if self.dry else int(self.policy.get("startsPerMinute") or 0)
        stop = bool(self.policy.get("stopOnFailure", True)) and not self.dry
        ok = True
        window_end = self.ctx.current_utc_datetime
        started = 0

        def may_start() -> bool:
            return bool(pending) and len(active) < limit and (ok or not stop) and self.cancel_answer is None

        while pending or active:
            if self.ctx.current_utc_datetime >= window_end:
                window_end, started = self.ctx.current_utc_datetime + timedelta(minutes=1), 0
            while may_start() and not (rate and started >= rate):
                entry = pending.pop(0)
                task = self.ctx.call_sub_orchestrator(
                    "failback_orchestrator",
                    {
                        "runId": child_instance_id(self.run_id, entry),
                        "request": child_request(self.request, entry, approved),
                        "initiator": self.initiator,
                        DECISIONS_KEY: DECISIONS_BY_GATES,  # a VM's decisions are gates
                        AZURE_WAIT_KEY: AZURE_WAIT_FIRST_TRY,  # waits for Azure show from the first try
                    },
                    child_instance_id(self.run_id, entry),
                )
                active[id(task)] = (entry, task)
                started += 1
            throttled = may_start()  # room to start more, but this minute's starts are used up
            if not active and not throttled:
                break
            self.publish(f"wave {n + 1}: {len(active)} running, {len(pending)} waiting")
            timer = self.ctx.create_timer(window_end) if throttled else None
            winner = yield from self.await_any([t for _, t in active.values()] + ([timer] if timer else []))
            if timer is not None and winner is not timer and not timer.is_completed:
                timer.cancel()
            if winner is None or winner is timer:
                continue
            entry, task = active.pop(id(winner))
            line = self._outcome(n, entry, task)
            self.results.append(line)
            if line["outcome"] not in ("succeeded", "dry-run"):
                ok = False
        for entry in pending:  # not started after a failure (stopOnFailure) or a cancel
            self.results.append(
                {"wave": n + 1, "vm": vm_label(entry), "runId": None, "outcome": "not-started", "error": None}
            )
        return ok

    def _outcome(self, n: int, entry: dict[str, Any], task: Any) -> dict[str, Any]:
        line: dict[str, Any] = {
            "wave": n + 1,
            "vm": vm_label(entry),
            "runId": child_instance_id(self.run_id, entry),
        }
        try:
            report = dict(task.result or {})
        except Exception as exc:  # the child orchestration itself failed
            return {**line, "outcome": "failed", "error": {"code": "RUN_FAILED", "message": str(exc)[:300]}}
        return {
            **line,
            "outcome": report.get("outcome"),
            "error": report.get("error"),
            "startedAt": report.get("startedAt"),
            "downtimeSeconds": report.get("downtimeSeconds"),
            "afterEffects": report.get("afterEffects") or [],
            "asrJobs": report.get("asrJobs") or [],
            **({"plan": report.get("plan"), "preflight": report.get("preflight")} if self.dry else {}),
        }

    def rehearse(self) -> Generator[Any, Any, dict[str, Any]]:
        """``dryRun``: every VM's pre-flight and plan, no approval, nothing changes in ASR."""
        for n in range(len(self.waves)):
            yield from self.run_wave(n, {"by": None, "gate": "dry-run"})
        ready = [
            r for r in self.results if r["outcome"] == "dry-run" and (r.get("plan") or {}).get("wouldStart")
        ]
        failed = [
            {**c, "rule": f"{r['vm']}: {c.get('rule')}"}
            for r in self.results
            for c in (r.get("preflight") or {}).get("checks") or []
            if not c.get("passed")
        ]
        gates = 1 if self.policy.get("approval") == "once" else len(self.waves)
        plan = {
            "wouldStart": len(ready) == self.total,
            "vms": self.total,
            "ready": len(ready),
            "approvals": gates,
            "waves": [
                {"name": w["name"], "vms": [r["vm"] for r in self.results if r["wave"] == n + 1]}
                for n, w in enumerate(self.waves)
            ],
        }
        message = f"Dry run: {len(ready)} of {self.total} VMs would start; nothing changed."
        self.phase = "report"
        self.publish("dry-run", message)
        return {
            "runId": self.run_id,
            "kind": "waves",
            "outcome": "dry-run",
            "message": message,
            "initiator": self.initiator,
            "plan": plan,
            "preflight": {"passed": not failed, "checks": failed},
            "vms": self.results,
            "error": None,
        }

    def execute(self) -> Generator[Any, Any, dict[str, Any]]:
        """Every wave in order; the waves report."""
        if self.dry:
            return (yield from self.rehearse())
        outcome, message = "succeeded", "Every wave failed back."
        approved: dict[str, Any] | None = None
        for n, wave in enumerate(self.waves):
            names = [vm_label(e) for e in wave["items"]]
            if approved is None or self.policy.get("approval") == "per-wave":
                result = yield from self.gate(n, names)
                if result.get("decision") != "approved":
                    outcome = "not-approved" if result.get("decision") != "cancelled" else "cancelled"
                    message = f"Wave {n + 1} not approved ({result.get('decision')}); nothing more started."
                    self._skip(n)
                    break
                approved = {"by": result.get("by"), "gate": result.get("gate")}
            log_info(self.ctx, f"waves {self.run_id}: wave {n + 1}", runId=self.run_id, phase=f"wave-{n + 1}")
            ok = yield from self.run_wave(n, approved)
            if self.cancel_answer is not None:
                outcome, message = (
                    "cancelled",
                    f"Cancelled during wave {n + 1}; later VMs and waves not started.",
                )
                self._skip(n + 1)
                break
            if not ok and self.policy.get("stopOnFailure", True):
                outcome, message = "failed", f"Wave {n + 1} had a failure; later waves were not started."
                self._skip(n + 1)
                break
        if outcome == "succeeded" and any(r["outcome"] != "succeeded" for r in self.results):
            outcome, message = "partially-succeeded", "Some VMs did not fail back (stopOnFailure is false)."
        self.phase = "report"
        self.publish(outcome, message)
        return reports.chain_report(
            {  # the record: hash-chained head (signed on export)
                "runId": self.run_id,
                "kind": "waves",
                "outcome": outcome,
                "message": message,
                "initiator": self.initiator,
                "vault": self.request.get("vault"),
                "location": self.request.get("location"),
                "wavePolicy": self.policy,
                "startedAt": self.started_at,
                "finishedAt": iso(self.ctx.current_utc_datetime),
                "decisions": self.decisions,
                "vms": self.results,
                "counts": {
                    "total": self.total,
                    "succeeded": sum(1 for r in self.results if r["outcome"] == "succeeded"),
                    "failed": sum(
                        1 for r in self.results if r["outcome"] not in ("succeeded", "not-started")
                    ),
                    "notStarted": self.total - sum(1 for r in self.results if r["outcome"] != "not-started"),
                },
                "error": None if outcome == "succeeded" else {"code": "WAVES_INCOMPLETE", "message": message},
            }
        )

    def _skip(self, first: int) -> None:
        for n in range(first, len(self.waves)):
            for entry in self.waves[n]["items"]:
                if not any(r["vm"] == vm_label(entry) for r in self.results):
                    self.results.append(
                        {
                            "wave": n + 1,
                            "vm": vm_label(entry),
                            "runId": None,
                            "outcome": "not-started",
                            "error": None,
                        }
                    )


def run_waves(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Run a waves request (called by ``failback_orchestrator`` for kind ``waves``)."""
    return (yield from WavesRun(context).execute())
