"""The samples start failbacks the way the app expects (W3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from domain.request import parse_failback_request
from tests.infra.bicep_model import parse_bicep

SAMPLES = Path(__file__).resolve().parents[2] / "infra" / "samples"


def _fill(value: Any, params: dict[str, Any], trigger: dict[str, Any]) -> Any:
    """Evaluate the few workflow expressions the sample body uses, with sample values."""
    if isinstance(value, dict):
        return {k: _fill(v, params, trigger) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("@parameters('"):
        return params[value.split("'")[1]]
    if isinstance(value, str) and value.startswith("@{"):
        if "triggerBody()?['vmName']" in value:
            return trigger["vmName"]
        if "dataSync" in value:
            return trigger.get("dataSync", "auto")
        if "parameters('" in value:
            return params[value.split("'")[1]]
    return value


def test_logic_app_posts_a_valid_request_and_waits_with_the_202_pattern() -> None:
    workflow = json.loads((SAMPLES / "logicapp-start-failback.json").read_text())
    action = workflow["actions"]["Start_failback_and_wait"]
    assert action["type"] == "Http"
    assert action["inputs"]["uri"].endswith("/api/failbacks")
    assert "DisableAsyncPattern" not in action.get("operationOptions", "")
    assert workflow["parameters"]["functionKey"]["type"] == "SecureString"
    params = {k: p.get("defaultValue") for k, p in workflow["parameters"].items()}
    body = _fill(action["inputs"]["body"], params, {"vmName": "web01"})
    request = parse_failback_request(body)
    assert request.to_dict()["item"]["friendlyName"] == "web01"


def test_alert_sample_posts_the_common_alert_schema_to_the_alerts_route() -> None:
    doc = parse_bicep(SAMPLES / "alert-to-failback.bicep")
    group = doc["resources"]["actionGroup"]["config"]["properties"]
    (receiver,) = group["webhookReceivers"]
    assert receiver["useCommonAlertSchema"] is True
    assert "/api/alerts?code=" in receiver["serviceUri"]
    rule = doc["resources"]["alertRule"]["config"]["properties"]
    assert rule["actions"]["actionGroups"]
