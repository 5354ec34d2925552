"""The Bicep template keeps the rules of issue 6 (least privilege, identity-only storage, W5).

Each test runs one rule from ``tests/infra/rules.py`` against the real template; the
mutation test runs the same rules against broken copies.
"""

from __future__ import annotations

import json

from tests.infra import rules
from tests.infra.bicep_model import Template


def test_storage_has_shared_key_access_off_and_no_key_is_read(template: Template) -> None:
    assert rules.storage_identity_only(template) == []


def test_public_blob_access_is_off(template: Template) -> None:
    assert rules.public_blob_access_off(template) == []


def test_https_only_and_tls_1_2_on_storage_and_app(template: Template) -> None:
    assert rules.https_and_tls12(template) == []


def test_roles_are_exactly_the_intended_ones_by_id_and_scope(template: Template) -> None:
    assert rules.roles_least_privilege(template) == []


def test_role_assignments_loop_over_a_name_to_role_id_map_named_by_guid(template: Template) -> None:
    grants, problems = rules._role_grants(template)
    assert problems == []
    assert {(scope, role) for scope, role, _ in grants} == set(rules.INTENDED_ROLES)
    assert not {role for _, role, _ in grants} & set(rules.PRIVILEGED_ROLES)


def test_vault_and_workspace_roles_are_deployed_into_each_targets_resource_group(template: Template) -> None:
    assert rules.cross_scope_modules(template) == []


def test_every_grant_goes_to_the_apps_identity(template: Template) -> None:
    assert rules.roles_go_to_the_app_identity(template) == []


def test_secrets_reach_the_app_only_as_key_vault_references(template: Template) -> None:
    assert rules.secrets_only_through_key_vault(template) == []


def test_app_settings_are_the_codes_setting_names_plus_platform_ones(template: Template) -> None:
    assert rules.app_settings_match_code(template) == []


def test_entry_file_setting_names_the_file_the_worker_must_import(template: Template) -> None:
    assert rules.entry_file_setting(template) == []


def test_function_app_is_flex_consumption_python_3_11_with_the_user_identity(template: Template) -> None:
    assert rules.flex_consumption_python(template) == []


def test_key_vault_is_rbac_mode_and_holds_the_signing_key(template: Template) -> None:
    assert rules.key_vault_rbac(template) == []
    secrets = {r.body.get("name") for r in template.resources("Microsoft.KeyVault/vaults/secrets")}
    assert "approval-signing-key" in secrets


def test_only_approval_routes_require_entra_sign_in(template: Template) -> None:
    assert rules.excluded_auth_paths(template) == []
    assert any(r.startswith("approvals") for r in rules.http_routes())


def test_every_parameter_has_a_description(template: Template) -> None:
    assert rules.descriptions_everywhere(template) == []


def test_names_use_abbreviations_and_the_resource_token(template: Template) -> None:
    assert rules.resource_token_naming(template) == []
    abbrs = json.loads((rules.REPO / "infra" / "abbreviations.json").read_text())
    used = {
        w.split(".", 1)[1].split("}", 1)[0]
        for f in template.files.values()
        for w in f.path.read_text().split("abbrs")[1:]
        if w.startswith(".")
    }
    assert used and used <= abbrs.keys()


def test_the_app_registration_is_code_with_https_callbacks_three_roles_and_the_groups_claim(
    template: Template,
) -> None:
    assert rules.entra_app_registration(template) == []


def test_azd_down_then_up_meets_no_soft_deleted_vault(template: Template) -> None:
    assert rules.key_vault_survives_soft_delete(template) == []
    assert "azd down --purge" in (rules.REPO / "docs" / "deploy.md").read_text()


def test_provisioning_again_changes_nothing(template: Template) -> None:
    assert rules.nothing_changes_on_reprovision(template) == []
    assert rules.signing_key_generated_once(template) == []


def test_email_alerts_and_logic_app_are_optional_modules(template: Template) -> None:
    assert rules.optional_modules_switched(template) == []
    assert rules.email_sender_role(template) == []


def test_alert_rules_are_a_structured_array(template: Template) -> None:
    assert rules.alert_rules_structured(template) == []


def test_location_offers_only_flex_consumption_regions(template: Template) -> None:
    assert rules.flex_consumption_regions(template) == []


def test_host_and_worker_telemetry_are_opentelemetry(template: Template) -> None:
    assert rules.opentelemetry_everywhere(template) == []


def test_failed_and_stranded_runs_alert_and_a_workbook_shows_runs(template: Template) -> None:
    assert rules.run_alerts_and_workbook(template) == []


def test_workspaces_are_named_by_resource_id_only(template: Template) -> None:
    assert rules.one_workspace_identifier(template) == []


def test_durable_task_scheduler_is_opt_in_identity_only_and_granted_on_the_apps_task_hub(
    template: Template,
) -> None:
    assert rules.durable_task_scheduler_identity_only(template) == []
    settings, problems = rules.durable_backend_settings(template)
    assert problems == []
    dts = settings["DurableTaskScheduler"]
    assert dts[rules.DTS_PROVIDER_TYPE] == "azureManaged"
    connection = dts[dts[rules.DTS_CONNECTION_NAME]]
    assert "Authentication=ManagedIdentity" in connection
    assert "ClientID=${identity.outputs.clientId}" in connection
