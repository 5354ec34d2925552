"""``POST /api/alerts``: Azure Monitor alerts (common alert schema) start or stop failbacks (W3).

``ALERT_RULES`` (app setting, JSON list) maps alert rules to failback requests::

    [{"rule": "onprem-site-healthy", "request": {<POST /api/failbacks body>},
      "onResolved": "cancel"}]

``rule`` matches the alert rule's name (``essentials.alertRule``) or the end of its
resource id, case-insensitively. ``Fired`` starts every matching request through
the start logic of the failback API (``function_app.run_start``: one run per protected item, so
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

from datetime import timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from clients.settings import get_settings
from domain.alerts import matching_rules, parse_alert, receipt_id
from domain.i18n import N_
from function_app.alert_actions import (
    RECEIPT_EVENT,
    cancel_started,
    claim_receipt,
    fire,
    processed_runs,
    receipt_of,
    resolve,
    wait_published,
)
from function_app.json_body import json_object, parse_json
from function_app.problem import language, problem
from function_app.responses import json_response

bp = df.Blueprint()

#: How long a receipt keeps answering "duplicate" (action groups retry within minutes).
RECEIPT_HOURS = 24


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
    if not await claim_receipt(client, receipt, record):
        runs = processed_runs(await client.get_status(receipt))
        duplicate = {**record, "duplicate": True, "runs": runs or [], "processing": runs is None}
        return json_response(duplicate, 200)
    if alert.condition == "Fired":
        runs = await fire(client, alert, rules)
        await client.raise_event(receipt, RECEIPT_EVENT, {"runs": runs})
        await wait_published(client, receipt)
        if await receipt_of(client, alert, "Resolved"):  # a Resolved came first: it wins now
            for entry in await cancel_started(client, alert, rules, runs):
                next(r for r in runs if r.get("runId") == entry["runId"])["resolved"] = entry["action"]
    else:
        runs = await resolve(client, alert, rules)
        await client.raise_event(receipt, RECEIPT_EVENT, {"runs": runs})
    return json_response({**record, "runs": runs, "matched": len(rules), "duplicate": False}, 202)
