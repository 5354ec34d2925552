"""Which live run fails back the requested item, however either side named it (issue 4, one run per item)."""

from __future__ import annotations

from typing import Any

from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus

from function_app.run_lookup import run_of_item

VAULT = "vault-dr"


def _run(
    instance_id: str, item: dict[str, str], resolved: dict[str, str] | None = None, vault: str = VAULT
) -> DurableOrchestrationStatus:
    custom: dict[str, Any] = {"phase": "sync", "jobId": "j-1"}
    if resolved:
        custom["item"] = resolved
    return DurableOrchestrationStatus.from_json(
        {
            "instanceId": instance_id,
            "runtimeStatus": "Running",
            "input": {"runId": instance_id, "request": {"vault": {"name": vault}, "item": item}},
            "customStatus": custom,
        }
    )


def test_a_resolved_run_is_found_by_either_name_case_insensitively() -> None:
    runs = [
        _run(
            "fb-vault-dr-db01-20260101000000",
            {"friendlyName": "db01"},
            {"name": "rpi-db01", "friendlyName": "db01"},
        ),
        _run(
            "fb-vault-dr-web01-20260101000000",
            {"friendlyName": "web01"},
            {"name": "rpi-web01", "friendlyName": "web01"},
        ),
    ]
    assert run_of_item(runs, VAULT, {"name": "RPI-Web01", "friendlyName": None}) == runs[1].instance_id
    assert run_of_item(runs, "Vault-DR", {"friendlyName": "DB01"}) == runs[0].instance_id
    assert run_of_item(runs, VAULT, {"name": "rpi-app01"}) is None


def test_before_resolution_the_run_is_known_by_the_item_of_its_input() -> None:
    runs = [_run("fb-vault-dr-rpi-web01-20260101000000", {"name": "rpi-web01"})]
    assert run_of_item(runs, VAULT, {"name": "Rpi-Web01"}) == runs[0].instance_id
    assert run_of_item(runs, VAULT, {"friendlyName": "web01"}) is None  # not resolved yet: unknown


def test_a_run_of_another_vault_sharing_the_prefix_never_matches() -> None:
    runs = [_run("fb-vault-dr2-web01-20260101000000", {"friendlyName": "web01"}, vault="vault-dr2")]
    assert run_of_item(runs, VAULT, {"friendlyName": "web01"}) is None


def test_a_request_without_item_names_matches_nothing() -> None:
    runs = [_run("fb-vault-dr-web01-20260101000000", {"friendlyName": "web01"})]
    assert run_of_item(runs, VAULT, {"name": None, "friendlyName": None}) is None
