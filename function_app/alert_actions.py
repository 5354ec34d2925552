"""What one alert delivery does: start the rules' runs, cancel them on Resolved, keep its receipt.

A delivery's receipt (the ``alert_receipt`` orchestration of ``function_app/alerts.py``) is its
claim: only the delivery that starts it acts; its custom status and output keep the runs it touched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import azure.durable_functions as df

from domain.alerts import Alert, receipt_id
from function_app.json_body import json_object
from function_app.run_cancel import request_cancel
from function_app.run_start import start_run

log = logging.getLogger(__name__)

#: Run phases in which a Resolved alert may still stop the run (no destructive ASR step yet).
CANCELLABLE_PHASES = {"preflight", "sync", "approval", "window"}
#: Who a run started or cancelled by an alert names as its initiator: ``alert:<rule>``.
INITIATOR_PREFIX = "alert:"


#: The event that hands a receipt what its delivery did.
RECEIPT_EVENT = "AlertProcessed"


async def fire(
    client: df.DurableOrchestrationClient, alert: Alert, rules: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Start (or join) the run of every matching rule; a rule that cannot start is reported, not raised."""
    runs: list[dict[str, Any]] = []
    for rule in rules:
        body = dict(rule.get("request") or {})
        try:
            instance_id, created = await start_run(client, body, INITIATOR_PREFIX + alert.rule)
        except Exception as exc:  # a bad rule must not hide the others
            log.warning("alert %s: rule %s could not start: %s", alert.rule, rule.get("rule"), exc)
            runs.append({"rule": rule.get("rule"), "error": str(exc)[:500]})
            continue
        runs.append({"rule": rule.get("rule"), "runId": instance_id, "started": bool(created)})
    return runs


async def cancel_started(
    client: df.DurableOrchestrationClient, alert: Alert, rules: list[Mapping[str, Any]], started: list[Any]
) -> list[dict[str, Any]]:
    """What a Resolved does to the runs its Fired started (cancel before the approval gate only)."""
    on_resolved = {str(r.get("rule")): str(r.get("onResolved") or "cancel") for r in rules}
    results: list[dict[str, Any]] = []
    for run in started:
        run_id = run.get("runId")
        if not run_id or not run.get("started"):
            continue
        entry: dict[str, Any] = {"rule": run.get("rule"), "runId": run_id}
        status = await client.get_status(run_id)
        phase = json_object(status.custom_status).get("phase") if status else None
        running = bool(status) and status.runtime_status is not None
        running = running and status.runtime_status.value in {"Running", "Pending", "Suspended"}
        if on_resolved.get(str(run.get("rule")), "cancel") == "ignore":
            entry["action"] = "left (onResolved: ignore)"
        elif not running:
            entry["action"] = "none (run already finished)"
        elif phase not in CANCELLABLE_PHASES:
            entry["action"] = f"left: the run is past the approval gate (phase {phase})"
        else:
            # Action groups want a quick answer (wait_seconds=0): the run's verdict shows
            # on its status page (a cancel during data sync is refused there, H10).
            by = INITIATOR_PREFIX + alert.rule
            answer = await request_cancel(
                client, run_id, by, "alert resolved", wait_seconds=0, defer_if_refused=True
            )
            entry["action"] = "cancel requested"
            entry["answer"] = answer
        results.append(entry)
    return results


async def receipt_of(client: df.DurableOrchestrationClient, alert: Alert, condition: str) -> Any:
    """The status of the receipt of this alert's ``condition`` delivery (None if none arrived)."""
    return await client.get_status(receipt_id(alert.alert_id, condition, alert.rule))


def processed_runs(status: Any) -> list[Any] | None:
    """The runs a receipt recorded; None while its delivery is still being processed."""
    if not status or status.runtime_status is None:
        return None
    if status.runtime_status.value == "Completed":
        return list(json_object(status.output).get("runs") or [])
    runs = json_object(status.custom_status).get("runs")
    return list(runs) if isinstance(runs, list) else None


async def resolve(
    client: df.DurableOrchestrationClient, alert: Alert, rules: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Cancel what the Fired delivery started, or leave word for it when it has not yet."""
    started = processed_runs(await receipt_of(client, alert, "Fired"))
    if started is None:  # Fired not processed yet: it cancels what it starts when it sees this receipt
        return [{"action": "pending: the Fired alert has not started anything yet; it will be cancelled"}]
    return await cancel_started(client, alert, rules, started)


async def wait_published(client: df.DurableOrchestrationClient, receipt: str, seconds: float = 5.0) -> None:
    """Wait until the receipt shows the runs it was sent (so a racing Resolved reads them)."""
    for _ in range(int(seconds / 0.05)):
        if processed_runs(await client.get_status(receipt)) is not None:
            return
        await asyncio.sleep(0.05)


async def claim_receipt(client: df.DurableOrchestrationClient, receipt: str, record: dict[str, Any]) -> bool:
    """Start the delivery's receipt; False when a delivery holds (or held) it already.

    The existence check answers retries after the fact; the start itself is the atomic part:
    the Durable host refuses to start an instance id that is running, so of concurrent
    deliveries exactly one gets past this line.
    """
    if await client.get_status(receipt):
        return False
    try:
        await client.start_new("alert_receipt", receipt, record)
    except Exception:  # the instance exists: another delivery claimed it a moment ago
        return False
    return True
