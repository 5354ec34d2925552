"""Azure Monitor alerts (common alert schema) as the alert route reads them (W3).

Pure: parse a delivery, tell Fired from Resolved (also for Service Health and Resource Health,
whose ``monitorCondition`` stays ``Fired``), match it to the ``ALERT_RULES`` entries and name
the receipt that processes it once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

COMMON_SCHEMA = "azureMonitorCommonAlertSchema"
CONDITIONS = ("Fired", "Resolved")


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
