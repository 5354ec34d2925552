"""A scripted ASR world for replay tests: activity answers that follow the contract (§5)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import azure.durable_functions as df

from domain.request import parse_failback_request
from orchestrators.job_wait import bp as job_wait_bp
from orchestrators.runbook.failback import bp as failback_bp
from tests.orchestrators.replay import ActivityError, ScriptedHost, failback_error

VAULT = {
    "subscriptionId": "00000000-0000-0000-0000-000000000001",
    "resourceGroup": "rg-dr",
    "name": "vault-dr",
}
FACTS = {
    "id": "/subscriptions/x/protectedItems/vm-item",
    "name": "vm-item",
    "fabric": "hv-site",
    "container": "cloud",
    "friendlyName": "web01",
    "provider": "HyperVReplicaAzure",
    "protectionState": "FailedOverCommitted",
    "activeLocation": "Recovery",
    "allowedOperations": ["Failback"],
    "currentScenario": None,
    "lastFailoverTime": "2026-02-25T00:00:00Z",
    "onPremVmPresent": True,
    "useManagedDisks": True,
    "diskCount": 1,
    "diskSizeGB": 64,
    "recoveryPlan": None,
    "osType": "Windows",
}


def request(**overrides: Any) -> dict[str, Any]:
    """A valid request dict (``FailbackRequest.to_dict()``), with top-level overrides."""
    body: dict[str, Any] = {
        "vault": VAULT,
        "item": {"friendlyName": "web01"},
        "dataSync": "before-failover",
        "approval": {"approvers": ["ops@example.com"], "timeoutHours": 4},
        "verification": {"workspaceId": "11111111-2222-3333-4444-555555555555", "computer": "web01"},
    }
    body.update(overrides)
    return parse_failback_request(body, local_mode=True).to_dict()


@functools.cache
def _registered() -> dict[str, Callable[[str], str]]:
    # A private app with the orchestrators' blueprints, registered like function_app does:
    # get_functions() may run only once per app object, and the local host (E2E tests in
    # the same process) indexes the real one.
    replay_app = df.DFApp()
    for blueprint in (failback_bp, job_wait_bp):
        replay_app.register_functions(blueprint)
    return {f.get_function_name(): f.get_user_function() for f in replay_app.get_functions()}


def handle(name: str) -> Callable[[str], str]:
    """The registered orchestrator callable, as the worker invokes it."""
    return _registered()[name]


@dataclass
class FakeAsr:
    """Scripted activity answers: jobs end in ``outcomes[phase]`` (default Succeeded)."""

    preflight_passed: bool = True
    verify_results: list[bool] = field(default_factory=lambda: [True])
    outcomes: dict[str, str] = field(default_factory=dict)
    gate_decisions: dict[str, str] = field(default_factory=dict)
    failing: dict[str, list[ActivityError]] = field(default_factory=dict)  # raised once each, in order
    jobs: list[str] = field(default_factory=list)

    def _job(self, prefix: str) -> dict[str, Any]:
        job_id = f"{prefix}-{len(self.jobs) + 1}"
        self.jobs.append(job_id)
        return {"jobId": job_id, "adopted": False}

    def activities(self) -> dict[str, Callable[[Any], Any]]:
        def guard(name: str, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
            def call(payload: Any) -> Any:
                if self.failing.get(name):
                    raise self.failing[name].pop(0)
                return fn(payload)

            return call

        table: dict[str, Callable[[Any], Any]] = {
            "preflight": self.preflight,
            "start_failback": lambda p: self._job("failover"),
            "resume_job": lambda p: {"jobId": p["jobId"], "adopted": False},
            "commit_failover": lambda p: self._job("commit"),
            "reverse_replicate": lambda p: self._job("reprotect"),
            "cancel_job": lambda p: {"jobId": p["jobId"], "state": "Cancelled"},
            "verify_onprem": self.verify,
            "post_callback": lambda p: {"status": 200},
            "seal_report": lambda p: {"signature": {"sealed": "run-end", "head": p["integrity"]["head"]}},
        }
        return {name: guard(name, fn) for name, fn in table.items()}

    def preflight(self, payload: Any) -> dict[str, Any]:
        checks = [
            {"id": "H2a", "rule": "managed disks", "passed": True, "evidence": "useManagedDisks=true"},
            {
                "id": "H2b",
                "rule": "host connected",
                "passed": self.preflight_passed,
                "evidence": "Connected" if self.preflight_passed else "host hv01 disconnected",
            },
        ]
        return {
            "passed": self.preflight_passed,
            "checks": checks,
            "facts": copy.deepcopy(FACTS),
            "recommendation": {"dataSyncOption": "before-failover", "reason": "short stay"},
        }

    def verify(self, payload: Any) -> dict[str, Any]:
        passed = self.verify_results.pop(0) if len(self.verify_results) > 1 else self.verify_results[0]
        return {"passed": passed, "checks": [{"name": "heartbeat", "passed": passed, "evidence": "rows"}]}

    def wait(self, payload: Any, instance_id: str) -> dict[str, Any]:
        phase = payload["phase"]
        state = self.outcomes.get(phase, "Suspended" if payload["stopWhenSuspended"] else "Succeeded")
        if phase == "abandon":
            state = self.outcomes.get("abandon", "Cancelled")
        errors = (
            [{"code": "70094", "message": "Shutdown failed", "recommendedAction": "retry"}]
            if state == "Failed"
            else []
        )
        return {
            "jobId": payload["jobId"],
            "state": state,
            "polls": 3,
            "snapshot": {"jobId": payload["jobId"], "state": state, "errors": errors, "tasks": []},
        }

    def gate(self, payload: Any, instance_id: str) -> dict[str, Any]:
        decision = self.gate_decisions.get(payload["gate"], "approved")
        return {
            "decision": decision,
            "by": "ops@example.com" if decision != "timeout" else None,
            "at": "2026-03-01T10:00:00Z",
            "comment": None,
            "decisions": [],
        }

    def host(self, req: dict[str, Any], **kwargs: Any) -> ScriptedHost:
        return ScriptedHost(
            handle=handle("failback_orchestrator"),
            input={"runId": "fb-vault-dr-web01-20260301090000", "request": req, "initiator": "alice"},
            activities=self.activities(),
            subs={"wait_for_asr_job": self.wait, "approval_gate": self.gate},
            **kwargs,
        )


__all__ = ["FACTS", "VAULT", "FakeAsr", "failback_error", "handle", "request"]
