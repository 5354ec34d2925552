"""``POST /api/alerts``: Azure Monitor alerts (common alert schema) start or stop failbacks (W3).

``ALERT_RULES`` (app setting, JSON list) maps alert rules to failback requests::

    [{"rule": "onprem-site-healthy", "request": {<POST /api/failbacks body>},
      "onResolved": "cancel"}]

``rule`` matches the alert rule's name (``essentials.alertRule``) or the end of its
resource id, case-insensitively. ``Fired`` starts every matching request through
the start logic of ``function_app/failbacks.py`` (one run per protected item, so
a second alert joins the running run). ``Resolved`` cancels the runs that alert
started if they have not passed the approval gate yet (``onResolved: "ignore"``
leaves them).

Deliveries arrive retried, concurrently and out of order (issue 12, part 5):

- Each (alert id, rule, condition) is processed once. Its ``alert_receipt`` orchestration is
  the claim: the first delivery starts it under an instance id derived from the three, and the
  Durable host refuses a second start of a running instance, so concurrent deliveries cannot
  both proceed (they answer 200 ``duplicate``; never a 5xx). The receipt stays running for a day
  (a durable timer) so a late retry still meets it, and keeps the runs it touched in its
  custom status. Microsoft's sample payloads share one alert id across rules: the rule is part
  of the key.
- A ``Resolved`` that arrives before its ``Fired`` was processed is kept in its receipt
  (``pending``); the ``Fired`` delivery then cancels the runs it starts at once.
- Service Health and Resource Health alerts are activity-log alerts: their ``monitorCondition``
  stays ``Fired`` when the event is over. Their own status fields decide (``stage``/``status``
  ``Resolved``; ``currentHealthStatus`` ``Available``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from clients.settings import get_settings
from domain.i18n import N_
from function_app.failbacks import request_cancel, start_run
from function_app.json_body import json_object, parse_json
from function_app.problem import language, problem
from function_app.responses import json_response

bp = df.Blueprint()
log = logging.getLogger(__name__)

COMMON_SCHEMA = "azureMonitorCommonAlertSchema"
CONDITIONS = ("Fired", "Resolved")
#: Run phases in which a Resolved alert may still stop the run (no destructive ASR step yet).
CANCELLABLE_PHASES = {"preflight", "sync", "approval", "window"}
INITIATOR_PREFIX = "alert:"


@dataclass(frozen=True)
class Alert:
    """What the route needs from a common-schema alert.

    Attributes:
        alert_id: ``essentials.alertId`` (stable across retries and across Fired/Resolved).
        rule: ``essentials.alertRule`` (the rule's name).
        rule_id: the rule's resource id when present.
        condition: ``Fired`` or ``Resolved``.
    """

    alert_id: str
    rule: str
    rule_id: str
    condition: str


def parse_alert(body: Any) -> tuple[Alert | None, list[str]]:
    """Read a common-schema alert, or say every reason it is not one."""
    if not isinstance(body, dict):
        return None, ["body must be a JSON object"]
    reasons = []
    if body.get("schemaId") != COMMON_SCHEMA:
        reasons.append(f"schemaId must be '{COMMON_SCHEMA}' (enable the common alert schema on the action)")
    data = body.get("data")
    essentials = data.get("essentials") if isinstance(data, dict) else None
    if not isinstance(essentials, dict):
        return None, [*reasons, "data.essentials is missing"]
    alert_id, rule = essentials.get("alertId"), essentials.get("alertRule")
    condition = essentials.get("monitorCondition")
    if not isinstance(alert_id, str) or not alert_id:
        reasons.append("data.essentials.alertId is missing")
    if not isinstance(rule, str) or not rule:
        reasons.append("data.essentials.alertRule is missing")
    if condition not in CONDITIONS:
        reasons.append("data.essentials.monitorCondition must be 'Fired' or 'Resolved'")
    if reasons:
        return None, reasons
    rule_id = essentials.get("alertRuleID") or essentials.get("alertRuleId") or ""
    context = data.get("alertContext") if isinstance(data, dict) else None
    effective = health_condition(str(essentials.get("monitoringService") or ""), context) or str(condition)
    return Alert(str(alert_id), str(rule), str(rule_id), effective), []


#: Activity-log alert services whose payload says in its own fields whether the event is over.
_SERVICE_HEALTH = "servicehealth"
_RESOURCE_HEALTH = "resource health"


def health_condition(service: str, context: Any) -> str | None:
    """``Fired``/``Resolved`` read from a Service Health or Resource Health payload; None for others.

    These alerts are stateless activity-log alerts: every notice arrives with ``monitorCondition``
    ``Fired``, including the one that says the incident is resolved.
    """
    properties = context.get("properties") if isinstance(context, dict) else None
    if not isinstance(properties, dict):
        properties = {}
    kind = service.strip().lower()
    if kind == _SERVICE_HEALTH:
        stage = str(properties.get("stage") or properties.get("status") or context.get("status") or "")
        return "Resolved" if stage.lower() in ("resolved", "complete", "rca") else "Fired"
    if kind == _RESOURCE_HEALTH:
        health = str(properties.get("currentHealthStatus") or "")
        return "Resolved" if health.lower() == "available" else "Fired"
    return None


def matching_rules(alert: Alert, rules: tuple[Mapping[str, Any], ...]) -> list[Mapping[str, Any]]:
    """The configured rules this alert names."""
    name, rid = alert.rule.lower(), alert.rule_id.lower()
    found = []
    for rule in rules:
        key = str(rule.get("rule") or "").strip().lower()
        if key and (key == name or (rid and (rid == key or rid.endswith("/" + key)))):
            found.append(rule)
    return found


def receipt_id(alert_id: str, condition: str, rule: str = "") -> str:
    """Instance id recording one delivery (same alert id, rule and condition → same receipt)."""
    key = f"{alert_id}\n{rule.strip().lower()}"
    return f"alert-{hashlib.sha256(key.encode()).hexdigest()[:32]}-{condition.lower()}"


#: How long a receipt keeps answering "duplicate" (action groups retry within minutes).
RECEIPT_HOURS = 24
RECEIPT_EVENT = "AlertProcessed"


async def _fired(
    client: df.DurableOrchestrationClient, alert: Alert, rules: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
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


async def _cancel_started(
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


async def _receipt(client: df.DurableOrchestrationClient, alert: Alert, condition: str) -> Any:
    return await client.get_status(receipt_id(alert.alert_id, condition, alert.rule))


def _processed_runs(status: Any) -> list[Any] | None:
    """The runs a receipt recorded; None while its delivery is still being processed."""
    if not status or status.runtime_status is None:
        return None
    if status.runtime_status.value == "Completed":
        return list(json_object(status.output).get("runs") or [])
    runs = json_object(status.custom_status).get("runs")
    return list(runs) if isinstance(runs, list) else None


async def _resolved(
    client: df.DurableOrchestrationClient, alert: Alert, rules: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    started = _processed_runs(await _receipt(client, alert, "Fired"))
    if started is None:  # Fired not processed yet: it cancels what it starts when it sees this receipt
        return [{"action": "pending: the Fired alert has not started anything yet; it will be cancelled"}]
    return await _cancel_started(client, alert, rules, started)


async def _published(client: df.DurableOrchestrationClient, receipt: str, seconds: float = 5.0) -> None:
    """Wait until the receipt shows the runs it was sent (so a racing Resolved reads them)."""
    for _ in range(int(seconds / 0.05)):
        if _processed_runs(await client.get_status(receipt)) is not None:
            return
        await asyncio.sleep(0.05)


@bp.orchestration_trigger(context_name="context")
def alert_receipt(context: df.DurableOrchestrationContext) -> Any:
    """Hold one delivery's claim: its runs in the custom status, running for ``RECEIPT_HOURS``."""
    record = json_object(context.get_input())
    context.set_custom_status({**record, "runs": None})
    processed = context.wait_for_external_event(RECEIPT_EVENT)
    expiry = context.create_timer(context.current_utc_datetime + timedelta(hours=RECEIPT_HOURS))
    first = yield context.task_any([processed, expiry])
    result = json_object(processed.result) if first == processed else {"runs": [], "note": "not processed"}
    context.set_custom_status({**record, **result})
    if first == processed:
        yield expiry
    return {**record, **result}


@bp.route(route="alerts", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def alerts(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Handle one Azure Monitor alert delivery (see module docstring)."""
    body = parse_json(req.get_body() or b"", language(req))
    if isinstance(body, func.HttpResponse):
        return body
    alert, reasons = parse_alert(body)
    if alert is None:
        return problem(400, N_("Not a common-schema alert"), errors=reasons, lang=language(req))
    rules = matching_rules(alert, get_settings().alert_rules)
    if not rules:
        answer = {"alertId": alert.alert_id, "condition": alert.condition, "runs": [], "matched": 0}
        return json_response(answer, 200)
    receipt = receipt_id(alert.alert_id, alert.condition, alert.rule)
    record = {"alertId": alert.alert_id, "rule": alert.rule, "condition": alert.condition}
    if not await _claim(client, receipt, record):
        runs = _processed_runs(await client.get_status(receipt))
        duplicate = {**record, "duplicate": True, "runs": runs or [], "processing": runs is None}
        return json_response(duplicate, 200)
    if alert.condition == "Fired":
        runs = await _fired(client, alert, rules)
        await client.raise_event(receipt, RECEIPT_EVENT, {"runs": runs})
        await _published(client, receipt)
        if await _receipt(client, alert, "Resolved"):  # a Resolved came first: it wins now
            for entry in await _cancel_started(client, alert, rules, runs):
                next(r for r in runs if r.get("runId") == entry["runId"])["resolved"] = entry["action"]
    else:
        runs = await _resolved(client, alert, rules)
        await client.raise_event(receipt, RECEIPT_EVENT, {"runs": runs})
    return json_response({**record, "runs": runs, "matched": len(rules), "duplicate": False}, 202)


async def _claim(client: df.DurableOrchestrationClient, receipt: str, record: dict[str, Any]) -> bool:
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
