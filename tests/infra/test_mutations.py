"""The common template mistakes each make at least one check fail (issues 6, 17 and 14).

Each mutation is applied to a copy of ``infra/``; our rules run on every copy and checkov
runs once over all of them. The table of which checks catch which mistake is printed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.infra.bicep_model import Template
from tests.infra.checkov_runner import run_checkov
from tests.infra.rules import failing_rules

INFRA = Path(__file__).resolve().parents[2] / "infra"


@dataclass(frozen=True)
class Mutation:
    """A textual edit of one template file that reproduces a common mistake."""

    slug: str
    title: str
    file: str
    old: str
    new: str


MUTATIONS = [
    Mutation(
        "shared-keys",
        "shared keys on",
        "modules/storage.bicep",
        "allowSharedKeyAccess: false",
        "allowSharedKeyAccess: true",
    ),
    Mutation(
        "contributor",
        "Contributor instead of Site Recovery Operator",
        "modules/roles-recovery-vault.bicep",
        "'Site Recovery Operator': '494ae006-db33-4328-bf46-533a6560a3ca'",
        "Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c'",
    ),
    Mutation(
        "missing-setting",
        "missing app setting (TASKHUB_NAME)",
        "main.bicep",
        "  TASKHUB_NAME: taskHubName\n",
        "",
    ),
    Mutation(
        "public-blob",
        "public blob access on",
        "modules/storage.bicep",
        "allowBlobPublicAccess: false",
        "allowBlobPublicAccess: true",
    ),
    Mutation(
        "no-entry-file",
        "missing PYTHON_SCRIPT_FILE_NAME",
        "modules/functionapp.bicep",
        "  PYTHON_SCRIPT_FILE_NAME: 'entrypoint.py'\n",
        "",
    ),
    # Beyond the five: the signing key wired straight into an app setting (plain text).
    Mutation(
        "plain-secret",
        "signing key as a plain app setting",
        "main.bicep",
        "APPROVAL_SIGNING_KEY: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.approvalSigningKeyUri})'",
        "APPROVAL_SIGNING_KEY: approvalSigningKey",
    ),
    # Issue 17: one unattended, repeatable azd up.
    Mutation(
        "http-redirect",
        "public (plain http) redirect URI on the app registration",
        "modules/entra-app.bicep",
        "'https://${host}/.auth/login/aad/callback'",
        "'http://${host}/.auth/login/aad/callback'",
    ),
    Mutation(
        "localhost-redirect",
        "localhost redirect URI on the app registration",
        "modules/entra-app.bicep",
        "redirectUris: [for host in hostNames: 'https://${host}/.auth/login/aad/callback']",
        "redirectUris: [\n      'https://localhost:7071/.auth/login/aad/callback'\n    ]",
    ),
    Mutation(
        "missing-role",
        "missing app role (auditor)",
        "modules/entra-app.bicep",
        "  auditor: {\n    id: guid(uniqueName, 'app-role', 'auditor')\n"
        "    displayName: 'Failback auditor'\n"
        "    description: 'Reads run pages and reports; takes no decision.'\n  }\n",
        "",
    ),
    Mutation(
        "no-groups-claim",
        "no groups claim (group: approvers never match)",
        "modules/entra-app.bicep",
        "  groupMembershipClaims: 'SecurityGroup'\n",
        "",
    ),
    Mutation(
        "anyone-signs-in",
        "service principal without appRoleAssignmentRequired",
        "modules/entra-app.bicep",
        "appRoleAssignmentRequired: true",
        "appRoleAssignmentRequired: false",
    ),
    Mutation(
        "purge-protection",
        "purge protection without a name strategy",
        "modules/keyvault.bicep",
        "    softDeleteRetentionInDays: 7\n",
        "    softDeleteRetentionInDays: 7\n    enablePurgeProtection: true\n",
    ),
    Mutation(
        "regenerated-key",
        "signing key regenerated on every provision (newGuid default)",
        "main.bicep",
        "param approvalSigningKey string\n",
        "param approvalSigningKey string = newGuid()\n",
    ),
    Mutation(
        "escaped-json",
        "alert rules as an escaped JSON string",
        "main.bicep",
        "param alertRules array = []",
        "param alertRules string = '[]'",
    ),
    Mutation(
        "always-logic-app",
        "Logic App deployed whatever the switch",
        "main.bicep",
        "module logicApp 'modules/logicapp.bicep' = if (logicAppEnabled) {",
        "module logicApp 'modules/logicapp.bicep' = {",
    ),
    Mutation(
        "no-worker-otel",
        "worker OpenTelemetry distro off",
        "main.bicep",
        "  PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY: 'true'\n",
        "  PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY: 'false'\n",
    ),
    Mutation(
        "broad-acs-role",
        "ACS e-mail role widened to every Communication action",
        "modules/roles-communication.bicep",
        "  'Microsoft.Communication/EmailServices/write'\n",
        "  'Microsoft.Communication/*'\n",
    ),
    Mutation(
        "no-stranded-alert",
        "stranded-runs alert removed (query no longer looks for silent runs)",
        "modules/run-monitoring.bicep",
        "| where ended == 0 and last < ago(${strandedAfterHours}h) ",
        "",
    ),
    Mutation(
        "workspace-guid",
        "Logic App given a workspace customer id parameter",
        "main.bicep",
        "    verificationWorkspaceId: empty(workspaceIds) ? '' : trim(workspaceIds[0])\n",
        "    verificationWorkspaceId: logicAppWorkspaceCustomerId\n",
    ),
    Mutation(
        "storage-key",
        "storage account key read for the action group",
        "modules/failback-alerts.bicep",
        "listKeys('${functionApp.id}/host/default', '2024-04-01').functionKeys.default",
        "listKeys(resourceId('Microsoft.Storage/storageAccounts', 'st'), '2023-05-01').keys[0].value",
    ),
    # Issue 14, part 4: the Durable Task Scheduler backend.
    Mutation(
        "dts-no-auth",
        "DTS connection string without identity (the emulator's Authentication=None)",
        "main.bicep",
        "Authentication=ManagedIdentity;ClientID=${identity.outputs.clientId}",
        "Authentication=None",
    ),
    Mutation(
        "dts-system-identity",
        "DTS connection string without ClientID (a system identity the app does not have)",
        "main.bicep",
        ";ClientID=${identity.outputs.clientId}'",
        "'",
    ),
    Mutation(
        "dts-key",
        "DTS connection string carrying a key",
        "main.bicep",
        "Authentication=ManagedIdentity;ClientID=${identity.outputs.clientId}",
        "AccessKey=${approvalSigningKey}",
    ),
    Mutation(
        "dts-reader-role",
        "app identity given Durable Task Data Reader instead of Data Contributor",
        "modules/roles-durable-task.bicep",
        "'Durable Task Data Contributor': '0ad04412-c4d5-4796-b79c-f76d14c8d402'",
        "'Durable Task Data Reader': 'd6a5505f-6ebb-45a4-896e-ac8274cfc0ac'",
    ),
    Mutation(
        "dts-hub-mismatch",
        "task hub created as 'default' while the app uses TASKHUB_NAME",
        "main.bicep",
        "    taskHubName: taskHubName\n    skuName: durableTaskSchedulerSku\n",
        "    taskHubName: 'default'\n    skuName: durableTaskSchedulerSku\n",
    ),
    Mutation(
        "dts-always",
        "scheduler deployed whatever FAILBACK_DURABLE_BACKEND says",
        "main.bicep",
        "module durableTaskScheduler 'modules/durable-task-scheduler.bicep' = if (useDurableTaskScheduler) {",
        "module durableTaskScheduler 'modules/durable-task-scheduler.bicep' = {",
    ),
    Mutation(
        "dts-provider-unset",
        "scheduler created but the app left on Azure Storage (provider type not switched)",
        "main.bicep",
        "  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'\n",
        "",
    ),
]


def _mutate(root: Path, m: Mutation) -> Path:
    copy = root / m.slug
    shutil.copytree(INFRA, copy, ignore=shutil.ignore_patterns("samples"))
    target = copy / m.file
    text = target.read_text()
    assert text.count(m.old) == 1, f"mutation {m.slug} no longer applies to {m.file}"
    target.write_text(text.replace(m.old, m.new))
    return copy


@pytest.fixture(scope="module")
def caught(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[str], list[str]]]:
    """Mutation slug -> (our failing rules, checkov's failing check ids)."""
    root = tmp_path_factory.mktemp("mutants")
    copies = {m.slug: _mutate(root, m) for m in MUTATIONS}
    report = run_checkov(root)
    result = {}
    for slug, copy in copies.items():
        ours = sorted(failing_rules(Template(copy / "main.bicep")))
        theirs = sorted({c for c, _, path in report.failed if path.lstrip("/").startswith(f"{slug}/")})
        result[slug] = (ours, theirs)
    return result


def test_the_unmutated_template_passes_every_rule(template: Template) -> None:
    assert failing_rules(template) == {}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.slug)
def test_each_common_mistake_is_caught_by_at_least_one_of_our_checks(
    mutation: Mutation, caught: dict[str, tuple[list[str], list[str]]]
) -> None:
    ours, _ = caught[mutation.slug]
    assert ours, f"no rule catches: {mutation.title}"


def test_print_which_checks_catch_which_mistake(
    caught: dict[str, tuple[list[str], list[str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["", "| mutation | our failing rules | failing checkov checks |", "|---|---|---|"]
    for m in MUTATIONS:
        ours, theirs = caught[m.slug]
        lines.append(f"| {m.title} | {', '.join(ours)} | {', '.join(theirs) or '-'} |")
    with capsys.disabled():
        print("\n".join(lines))
    assert len(lines) == 3 + len(MUTATIONS)
