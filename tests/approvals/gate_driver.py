"""Helpers to run the approval gate on DevHost and act like an approver over HTTP."""

from __future__ import annotations

import json
import re
from typing import Any

import azure.durable_functions as df
import requests

from orchestrators.approval_gate import gate_instance_id

RUN = "fb-vault-dr-vm01-20260101000000"
SUMMARY = {
    "vm": "vm01",
    "phase1": {"result": "Succeeded", "jobId": "job-1"},
    "dataToTransferGB": 3.5,
    "downtimeEstimateMinutes": 12,
    "preflight": [
        {"id": "H2a", "rule": "on-prem host reachable", "passed": True, "evidence": "host hv01 connected"}
    ],
    "checklist": [{"id": "owners", "text": "Owners informed"}, {"id": "net", "text": "Network ready"}],
}


class Gate:
    """One gate instance on a running host."""

    def __init__(
        self, host: Any, policy: dict[str, Any], gate: str = "approval-1", initiator: str = "ops@x"
    ) -> None:
        self.host = host
        self.gate = gate
        self.id = gate_instance_id(RUN, gate)
        data = {"runId": RUN, "gate": gate, "policy": policy, "summary": SUMMARY, "initiator": initiator}
        client = df.DurableOrchestrationClient(host.client_binding())
        host.call(client.start_new("approval_gate", self.id, data))
        host.drive(until=lambda: bool(self.links()), timeout=30)

    def status(self) -> dict[str, Any]:
        r = requests.get(
            f"{self.host.base_url}/runtime/webhooks/durabletask/instances/{self.id}",
            params={"code": self.host.master_key},
            timeout=10,
        )
        return r.json()

    def done(self) -> bool:
        return self.status().get("runtimeStatus") in {"Completed", "Failed", "Terminated"}

    def output(self) -> dict[str, Any]:
        self.host.drive(until=self.done, timeout=30)
        status = self.status()
        assert status["runtimeStatus"] == "Completed", status
        out = status["output"]
        return json.loads(out) if isinstance(out, str) else out

    def messages(self, kind: str | None = None) -> list[dict[str, Any]]:
        r = requests.get(
            f"{self.host.base_url}/api/outbox",
            params={"runId": RUN, "code": self.host.function_key},
            timeout=10,
        )
        r.raise_for_status()
        return [m for m in r.json()["messages"] if kind is None or m["kind"] == kind]

    def links(self, kind: str = "approval-request") -> dict[str, str]:
        """approver -> local URL of their link in the newest message of ``kind``."""
        msgs = [m for m in self.messages(kind) if m["gate"] == self.gate]
        if not msgs:
            return {}
        return {x["approver"]: self.host.base_url + x["path"] for x in msgs[-1]["links"]}


def decide(
    url: str,
    decision: str,
    *,
    attest: list[str] | None = None,
    comment: str = "ok",
    headers: dict[str, str] | None = None,
    token: str | None = None,
) -> requests.Response:
    """POST the page's form like a browser."""
    form: dict[str, Any] = {
        "token": token if token is not None else url.rsplit("/", 1)[-1],
        "decision": decision,
        "comment": comment,
        "attest": ["owners", "net"] if attest is None else attest,
    }
    return requests.post(url, data=form, headers=headers or {}, timeout=30)


def reason(response: requests.Response) -> str | None:
    m = re.search(r'<code id="reason">([^<]+)</code>', response.text)
    return m.group(1) if m else None
