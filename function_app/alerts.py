"""``POST /api/alerts``: Azure Monitor alerts (common alert schema) start or stop failbacks (W3).

``ALERT_RULES`` (app setting, JSON list) maps alert rules to failback requests::

    [{"rule": "onprem-site-healthy", "request": {<POST /api/failbacks body>},
      "onResolved": "cancel"}]

``rule`` matches the alert rule's name (``essentials.alertRule``) or the end of its
resource id, case-insensitively. ``Fired`` starts every matching request through
the start logic of ``function_app/failbacks.py`` (one run per protected item, so
a second alert joins the running run). ``Resolved`` cancels the runs that alert
started if they have not passed the approval gate yet (``onResolved: "ignore"``
leaves them). Action groups retry deliveries, so each (alert id, condition) is
processed once: a tiny ``alert_receipt`` orchestration whose instance id derives
from the alert id records it. The route only starts orchestrations and answers;
it never waits for a run.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from clients.settings import get_settings
from function_app.failbacks import request_cancel, start_run
from function_app.json_body import json_object, parse_json
from function_app.problem import problem
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
    return Alert(str(alert_id), str(rule), str(rule_id), str(condition)), []


def matching_rules(alert: Alert, rules: tuple[Mapping[str, Any], ...]) -> list[Mapping[str, Any]]:
    """The configured rules this alert names."""
    name, rid = alert.rule.lower(), alert.rule_id.lower()
    found = []
    for rule in rules:
        key = str(rule.get("rule") or "").strip().lower()
        if key and (key == name or (rid and (rid == key or rid.endswith("/" + key)))):
            found.append(rule)
    return found


def receipt_id(alert_id: str, condition: str) -> str:
    """Instance id recording one delivery (same alert id → same receipt)."""
    return f"alert-{hashlib.sha256(alert_id.encode()).hexdigest()[:32]}-{condition.lower()}"


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


async def _resolved(
    client: df.DurableOrchestrationClient, alert: Alert, rules: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    fired = await client.get_status(receipt_id(alert.alert_id, "Fired"))
    started = json_object(fired.output).get("runs", []) if fired else []
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
            # on its status page.
            by = INITIATOR_PREFIX + alert.rule
            answer = await request_cancel(client, run_id, by, "alert resolved", wait_seconds=0)
            entry["action"] = "cancel requested"
            entry["answer"] = answer
        results.append(entry)
    return results


@bp.orchestration_trigger(context_name="context")
def alert_receipt(context: df.DurableOrchestrationContext) -> Any:
    """Record one processed alert delivery (its output lists the runs it touched)."""
    return context.get_input()


@bp.route(route="alerts", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def alerts(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Handle one Azure Monitor alert delivery (see module docstring)."""
    body = parse_json(req.get_body() or b"")
    if isinstance(body, func.HttpResponse):
        return body
    alert, reasons = parse_alert(body)
    if alert is None:
        return problem(400, "Not a common-schema alert", errors=reasons)
    receipt = receipt_id(alert.alert_id, alert.condition)
    previous = await client.get_status(receipt)
    if previous:
        answer = {"alertId": alert.alert_id, "condition": alert.condition, "duplicate": True}
        answer["runs"] = json_object(previous.output).get("runs", [])
        return json_response(answer, 200)
    rules = matching_rules(alert, get_settings().alert_rules)
    if not rules:
        answer = {"alertId": alert.alert_id, "condition": alert.condition, "runs": [], "matched": 0}
        return json_response(answer, 200)
    handler = _fired if alert.condition == "Fired" else _resolved
    runs = await handler(client, alert, rules)
    record = {"alertId": alert.alert_id, "rule": alert.rule, "condition": alert.condition, "runs": runs}
    await client.start_new("alert_receipt", receipt, record)
    answer = {**record, "matched": len(rules), "duplicate": False}
    return json_response(answer, 202)
