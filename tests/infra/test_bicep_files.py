"""Every infra file is well-formed and the azd wiring is consistent (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.infra.bicep_model import Template, parse_bicep
from tests.infra.rules import azd_parameters

REPO = Path(__file__).resolve().parents[2]
BICEP_FILES = sorted((REPO / "infra").rglob("*.bicep"))


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_bicep_file_parses(path: Path) -> None:
    doc = parse_bicep(path)
    assert doc.get("resources") or doc.get("modules")


def test_bicepconfig_pins_the_microsoft_graph_extension_the_entra_module_uses() -> None:
    config = json.loads((REPO / "infra" / "bicepconfig.json").read_text())
    reference = config["extensions"]["microsoftGraphV1"]
    assert reference.startswith("br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:")
    assert "extension microsoftGraphV1" in (REPO / "infra" / "modules" / "entra-app.bicep").read_text()


def test_every_module_file_is_used_by_main(template: Template) -> None:
    modules = {p.resolve() for p in (REPO / "infra" / "modules").glob("*.bicep")}
    assert modules == set(template.files) - {template.entry}


def test_main_is_subscription_scoped_and_creates_the_resource_group(template: Template) -> None:
    assert template.main.doc["globals"]["scope"]["value"] == "subscription"
    assert [r.type for r in template.main.resources()] == ["Microsoft.Resources/resourceGroups"]


def test_parameter_file_matches_main_parameters(template: Template) -> None:
    given = azd_parameters(REPO / "infra" / "main.parameters.json", {})
    declared = template.main.parameters
    generated = {"approvalSigningKey"}  # azd generates it (metadata type 'generate')
    required = {name for name, p in declared.items() if p.get("default") is None} - generated
    assert set(given) <= set(declared)
    assert required <= set(given)


def test_azure_yaml_deploys_the_repo_root_as_a_python_function_app() -> None:
    spec = yaml.safe_load((REPO / "azure.yaml").read_text())
    api = spec["services"]["api"]
    assert (api["host"], api["language"]) == ("function", "python")
    project = REPO / api["project"]
    for needed in ("host.json", "requirements.txt", "entrypoint.py"):
        assert (project / needed).is_file(), needed
    assert spec["infra"]["path"] == "infra"


def test_function_app_carries_the_azd_service_tag(template: Template) -> None:
    site = template.resources("Microsoft.Web/sites", existing=False)[0]
    assert "azd-service-name" in json.dumps(site.body["tags"])


def test_outputs_give_the_readme_what_it_needs(template: Template) -> None:
    outputs = template.main.doc["outputs"]
    for name in (
        "FAILBACK_BASE_URL",
        "AZURE_FUNCTION_APP_NAME",
        "AZURE_RESOURCE_GROUP",
        "AZURE_KEY_VAULT_NAME",
    ):
        assert name in outputs
