"""The samples start failbacks the way the app expects (W3)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from domain.errors import RequestInvalid
from domain.request import parse_failback_request
from domain.run_names import Outcome
from tests.infra.bicep_model import parse_bicep

SAMPLES = Path(__file__).resolve().parents[2] / "infra" / "samples"
MODULES = SAMPLES.parent / "modules"


def _fill(value: Any, params: dict[str, Any], trigger: dict[str, Any]) -> Any:
    """Evaluate the few workflow expressions the sample body uses, with sample values."""
    if isinstance(value, dict):
        return {k: _fill(v, params, trigger) for k, v in value.items()}
    if value == "@triggerBody()?['maintenanceWindow']":
        return trigger.get("maintenanceWindow")
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


def _longest_approval() -> timedelta:
    """The longest approval a request may ask for, as the app's validation allows it."""
    workflow = json.loads((SAMPLES / "logicapp-start-failback.json").read_text())
    params = {k: p.get("defaultValue") for k, p in workflow["parameters"].items()}
    body = _fill(
        workflow["actions"]["Start_failback_and_wait"]["inputs"]["body"], params, {"vmName": "web01"}
    )
    hours = 1
    while True:
        body["approval"]["timeoutHours"] = hours + 1
        try:
            parse_failback_request(body)
        except RequestInvalid:
            return timedelta(hours=hours)
        hours += 1


def _days(duration: str) -> timedelta:
    match = re.fullmatch(r"P(\d+)D", duration)
    assert match, duration
    return timedelta(days=int(match.group(1)))


def test_logic_app_waits_as_long_as_the_longest_approval_and_window_and_branches_on_the_outcome() -> None:
    workflow = json.loads((SAMPLES / "logicapp-start-failback.json").read_text())
    actions = workflow["actions"]
    start = actions["Start_failback_and_wait"]
    # Polls carry no key: the signed Location is the credential; no ?code= on the start URL.
    assert "code=" not in start["inputs"]["uri"] and "authentication" not in start["inputs"]
    # A window that ends within the sample's horizon, with the longest approval, is still awaited.
    window_check = json.dumps(actions["Window_within_14_days"]["expression"])
    horizon = timedelta(days=int(re.search(r"addDays\(utcNow\(\), (\d+)\)", window_check).group(1)))
    assert _longest_approval() == timedelta(hours=336)
    assert _days(start["limit"]["timeout"]) >= _longest_approval() + horizon + timedelta(days=1)
    assert start["runAfter"] == {"Window_within_14_days": ["Succeeded"]}
    # The approval deadline sent is the workflow's parameter, within what the wait covers.
    params = {k: p.get("defaultValue") for k, p in workflow["parameters"].items()}
    body = _fill(
        start["inputs"]["body"],
        params,
        {
            "vmName": "web01",
            "maintenanceWindow": {"start": "2030-01-01T22:00:00Z", "end": "2030-01-02T02:00:00Z"},
        },
    )
    request = parse_failback_request(body)
    assert request.approval.timeout_hours == params["approvalTimeoutHours"]
    assert request.maintenance_window is not None
    # Branches: one per outcome that leaves the Azure VM running or succeeded; anything else fails the run.
    switch = actions["Outcome"]
    assert switch["type"] == "Switch" and "['outcome']" in switch["expression"]
    assert switch["runAfter"] == {"Start_failback_and_wait": ["Succeeded"]}
    cases = {c["case"] for c in switch["cases"].values()}
    assert cases == {Outcome.SUCCEEDED, Outcome.NOT_APPROVED, Outcome.CANCELLED, Outcome.WINDOW_MISSED}
    (default,) = switch["default"]["actions"].values()
    assert default["type"] == "Terminate" and default["inputs"]["runStatus"] == "Failed"
    refused = actions["Start_refused_or_timed_out"]
    assert refused["runAfter"] == {"Start_failback_and_wait": ["Failed", "TimedOut"]}
