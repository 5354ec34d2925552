"""The samples start failbacks the way the app expects (W3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from domain.request import parse_failback_request
from tests.infra.bicep_model import parse_bicep

SAMPLES = Path(__file__).resolve().parents[2] / "infra" / "samples"
MODULES = SAMPLES.parent / "modules"


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


def test_alert_module_posts_the_common_alert_schema_and_names_each_rule_as_alert_rules_does() -> None:
    doc = parse_bicep(MODULES / "failback-alerts.bicep")
    group = doc["resources"]["actionGroup"]["config"]["properties"]
    (receiver,) = group["webhookReceivers"]
    assert receiver["useCommonAlertSchema"] is True
    assert "/api/alerts?code=" in receiver["serviceUri"]
    rule = doc["resources"]["hostBack"]["config"]
    assert rule["loop_type"]["detail"]["array_name"] == "alertRules"
    # The Azure Monitor rule is named by the entry's `rule`: the name the app matches (alerts.py).
    assert json.dumps(rule["config"]["name"]) == json.dumps(
        {"operator": {"type": "property_accessor", "operands": {"operand_1": "entry", "operand_2": "rule"}}}
    )
    assert rule["config"]["properties"]["actions"]["actionGroups"]


def test_logic_app_module_deploys_the_sample_with_every_parameter_filled() -> None:
    workflow = json.loads((SAMPLES / "logicapp-start-failback.json").read_text())
    doc = parse_bicep(MODULES / "logicapp.bicep")
    props = doc["resources"]["workflow"]["config"]["properties"]
    assert "logicapp-start-failback.json" in json.dumps(props["definition"])
    assert set(props["parameters"]) == set(workflow["parameters"])
