"""What one `azd up` is given and produces agrees with what the app reads (issue 17).

azure.yaml, infra/main.parameters.json (resolved as azd resolves it), the Bicep parameters, the
Function App's app settings, local.settings.example.json, docs/deploy.md and the code's settings
table (clients/settings.py SETTING_NAMES) must name the same things.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from clients.settings import SETTING_NAMES, Settings
from tests.infra import rules
from tests.infra.bicep_model import Template

REPO = Path(__file__).resolve().parents[2]
PARAMS = REPO / "infra" / "main.parameters.json"
DEPLOY_DOC = (REPO / "docs" / "deploy.md").read_text()

ALERT_RULE = {
    "rule": "onprem-host-back-hv01",
    "heartbeatComputer": "hv01",
    "request": {"kind": "hyperv", "item": {"friendlyName": "web01"}},
    "onResolved": "cancel",
}


def test_azure_yaml_provisions_the_bicep_the_parameter_file_belongs_to() -> None:
    spec = yaml.safe_load((REPO / "azure.yaml").read_text())
    infra = REPO / spec["infra"]["path"]
    assert (infra / f"{spec['infra']['module']}.bicep").is_file()
    assert (infra / f"{spec['infra']['module']}.parameters.json").resolve() == PARAMS
    assert "hooks" not in spec  # the deployment is Bicep only: no script runs before or after


def test_only_the_vaults_and_approvers_are_asked_for_everything_else_has_a_default() -> None:
    placeholders = rules.azd_placeholders(PARAMS)
    required = {name for name, default in placeholders.items() if default is None}
    # azd itself supplies the environment name and location (it asks for the location once).
    assert required == {
        "AZURE_ENV_NAME",
        "AZURE_LOCATION",
        "FAILBACK_RECOVERY_VAULT_IDS",
        "FAILBACK_APPROVER_PRINCIPAL_IDS",
    }


def test_every_azd_variable_is_documented_in_deploy_md() -> None:
    for name in rules.azd_placeholders(PARAMS):
        assert f"`{name}`" in DEPLOY_DOC, f"{name} is read by main.parameters.json but not in docs/deploy.md"


def test_alert_rules_travel_as_a_json_array_and_reach_the_app_as_its_alert_rules(template: Template) -> None:
    given = rules.azd_parameters(PARAMS, {"FAILBACK_ALERT_RULES": json.dumps([ALERT_RULE])})
    assert given["alertRules"] == [ALERT_RULE]
    assert rules.azd_parameters(PARAMS, {})["alertRules"] == []
    settings, problems = rules._function_app_settings(template)
    assert problems == []
    assert settings["ALERT_RULES"] == {
        "function": {"type": "string", "parameters": {"value_to_convert": "alertRules"}}
    }
    # string(alertRules) is compact JSON; the app parses it back to the same entries.
    app_setting = json.dumps(given["alertRules"], separators=(",", ":"))
    assert Settings.from_env({"ALERT_RULES": app_setting}).alert_rules == (ALERT_RULE,)


def test_app_settings_local_settings_and_the_code_table_name_the_same_settings(template: Template) -> None:
    settings, problems = rules._function_app_settings(template)
    assert problems == []
    assert set(SETTING_NAMES) <= settings.keys()
    assert settings.keys() - set(SETTING_NAMES) == rules.PLATFORM_SETTINGS
    local = json.loads((REPO / "local.settings.example.json").read_text())["Values"]
    # Locally there is no managed identity, so only its client id is Azure-only.
    assert set(SETTING_NAMES) - local.keys() == {"AZURE_CLIENT_ID"}
    assert local.keys() - set(SETTING_NAMES) <= {
        "FUNCTIONS_WORKER_RUNTIME",
        "AzureWebJobsStorage",
        "AzureWebJobsFeatureFlags",
        "PYTHON_SCRIPT_FILE_NAME",
    }


def _allowed(template: Template, param: str) -> list[str]:
    decorators = template.main.parameters[param].get("decorators") or []
    return next(d["argument"] for d in decorators if d.get("type") == "allowed")


def test_the_durable_backend_azd_variable_reaches_bicep_and_picks_the_hosts_provider(
    template: Template,
) -> None:
    # Unset, azd passes AzureStorage: host.json's provider, no override, no scheduler settings.
    default = rules.azd_parameters(PARAMS, {})
    assert default["durableBackend"] == template.main.parameters["durableBackend"]["default"]
    assert default["durableBackend"] == "AzureStorage"
    assert default["durableTaskSchedulerSku"] == "Consumption"
    host = json.loads((REPO / "host.json").read_text())["extensions"]["durableTask"]
    assert host["storageProvider"] == {"type": "AzureStorage"}
    assert host["hubName"] == "%TASKHUB_NAME%"
    by_backend, problems = rules.durable_backend_settings(template)
    assert problems == []
    assert rules.DTS_PROVIDER_TYPE not in by_backend["AzureStorage"]
    # Every value a user can set is one Bicep accepts (a typo fails azd before anything is created).
    chosen = rules.azd_parameters(
        PARAMS, {"FAILBACK_DURABLE_BACKEND": "DurableTaskScheduler", "FAILBACK_DTS_SKU": "Dedicated"}
    )
    assert chosen["durableBackend"] in _allowed(template, "durableBackend")
    assert chosen["durableTaskSchedulerSku"] in _allowed(template, "durableTaskSchedulerSku")
    assert set(_allowed(template, "durableBackend")) == set(rules.DURABLE_BACKENDS)
    # With DTS the host reads the same task hub name and a connection string the app never reads:
    # the app's settings table is unchanged, the extra settings are the host's.
    dts = by_backend["DurableTaskScheduler"]
    assert dts["TASKHUB_NAME"] == by_backend["AzureStorage"]["TASKHUB_NAME"] == "taskHubName"
    extra = dts.keys() - by_backend["AzureStorage"].keys()
    assert extra == {rules.DTS_PROVIDER_TYPE, rules.DTS_CONNECTION_NAME, rules.DTS_CONNECTION_STRING}
    assert not extra & set(SETTING_NAMES)
    outputs = template.main.doc["outputs"]
    assert {"FAILBACK_DURABLE_BACKEND", "DURABLE_TASK_SCHEDULER_ENDPOINT"} <= outputs.keys()


def test_retention_and_telemetry_settings_have_the_format_the_code_reads(template: Template) -> None:
    settings, _ = rules._function_app_settings(template)
    assert settings["PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY"] == "true"
    assert Settings.from_env({"PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "true"}).worker_telemetry
    retention = settings["FAILBACK_HISTORY_RETENTION_DAYS"]
    assert retention == {
        "function": {"type": "string", "parameters": {"value_to_convert": "historyRetentionDays"}}
    }
    days = rules.azd_parameters(PARAMS, {})["historyRetentionDays"]
    assert Settings.from_env({"FAILBACK_HISTORY_RETENTION_DAYS": days}).history_retention_days == 90


def test_the_signing_key_is_never_an_output_nor_a_plain_setting(template: Template) -> None:
    outputs = json.dumps(template.main.doc["outputs"])
    assert "approvalSigningKey" not in outputs
    settings, _ = rules._function_app_settings(template)
    assert settings["APPROVAL_SIGNING_KEY"].startswith("@Microsoft.KeyVault(SecretUri=")


def test_deploy_md_names_each_remaining_manual_step_with_azures_reason() -> None:
    section = DEPLOY_DOC.split("## Manual steps Azure forces", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^\d+\. \*\*(.+?)\*\*(.+?)(?=^\d+\. |^#|\Z)", section, flags=re.MULTILINE | re.DOTALL)
    assert len(steps) >= 3, "docs/deploy.md lists no manual step"
    assert all("because" in reason.lower() for _, reason in steps), steps
    for forbidden in (
        "az ad app create",
        'APPROVAL_SIGNING_KEY "$(',
        "--web-redirect-uris",
        "az deployment group",
    ):
        assert forbidden not in DEPLOY_DOC, forbidden
