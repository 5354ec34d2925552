"""Wire-shaped ASR dicts (as ``model.as_dict()`` returns them) shared by the unit tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
VAULT_ID = (
    "/Subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-dr"
    "/providers/Microsoft.RecoveryServices/vaults/vault-dr"
)
RPI_ID = (
    f"{VAULT_ID}/replicationFabrics/site-tokyo/replicationProtectionContainers/cloud-tokyo"
    "/replicationProtectedItems/item-web01"
)
PROVIDER_ID = f"{VAULT_ID}/replicationFabrics/site-tokyo/replicationRecoveryServicesProviders/host-a"


def rpi(**props: Any) -> dict[str, Any]:
    """A Hyper-V item running in Azure after a committed failover; override properties by keyword."""
    base: dict[str, Any] = {
        "id": RPI_ID,
        "name": "item-web01",
        "properties": {
            "friendlyName": "web01",
            "protectionState": "PlannedFailoverStatesBegin",
            "activeLocation": "Recovery",
            "allowedOperations": ["CompleteMigration", "DisableProtection", "Failback"],
            "lastSuccessfulFailoverTime": "2026-01-05T08:00:00.1234567Z",
            "recoveryServicesProviderId": PROVIDER_ID,
            "primaryFabricProvider": "HyperVSite",
            "replicationHealth": "Normal",
            "currentScenario": {
                "scenarioName": "None",
                "jobId": f"{VAULT_ID}/replicationJobs/None",
                "startTime": "1753-01-01T01:01:01Z",
            },
            "providerSpecificDetails": {
                "instanceType": "HyperVReplicaAzure",
                "useManagedDisks": "true",
                "vmId": "6a3f0e1c-0000-4000-8000-000000000001",
                "recoveryAzureVmName": "web01",
                "oSDetails": {"osType": "Windows"},
                "azureVmDiskDetails": [
                    {"vhdType": "OperatingSystem", "maxSizeMB": 131072, "vhdId": "os"},
                    {"vhdType": "Data", "maxSizeMB": 65536, "vhdId": "d1"},
                ],
            },
        },
    }
    base["properties"].update(props)
    return base


def rpi_details(**details: Any) -> dict[str, Any]:
    """``rpi()`` with provider-specific details overridden."""
    item = rpi()
    item["properties"]["providerSpecificDetails"].update(details)
    return item


def provider(name: str = "host-a", friendly: str = "hv-host-a.contoso.local", **props: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"{VAULT_ID}/replicationFabrics/site-tokyo/replicationRecoveryServicesProviders/{name}",
        "name": name,
        "properties": {
            "friendlyName": friendly,
            "fabricType": "HyperVSite",
            "connectionStatus": "Connected",
            "lastHeartBeat": "2026-01-10T11:55:00Z",
        },
    }
    body["properties"].update(props)
    return body


def fabric(instance_type: str = "HyperVSite", **encryption: Any) -> dict[str, Any]:
    return {
        "id": f"{VAULT_ID}/replicationFabrics/site-tokyo",
        "name": "site-tokyo",
        "properties": {
            "friendlyName": "Tokyo site",
            "customDetails": {"instanceType": instance_type},
            "encryptionDetails": dict(encryption),
        },
    }


def job(state: str = "InProgress", tasks: list[dict[str, Any]] | None = None, **props: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"{VAULT_ID}/replicationJobs/11111111-aaaa-4bbb-8ccc-000000000001",
        "name": "11111111-aaaa-4bbb-8ccc-000000000001",
        "properties": {
            "scenarioName": "PlannedFailover",
            "friendlyName": "Planned failover",
            "state": state,
            "stateDescription": state,
            "startTime": "2026-01-10T11:00:00Z",
            "allowedActions": ["Cancel"] if state == "InProgress" else [],
            "tasks": copy.deepcopy(tasks or []),
            "errors": [],
        },
    }
    body["properties"].update(props)
    return body


def task(name: str, state: str, friendly: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "friendlyName": friendly or name,
        "state": state,
        "startTime": "2026-01-10T11:00:00Z" if state != "NotStarted" else "0001-01-01T00:00:00",
        "endTime": "0001-01-01T00:00:00",
        **extra,
    }


def request_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "vault": {
            "subscriptionId": "00000000-0000-0000-0000-000000000001",
            "resourceGroup": "rg-dr",
            "name": "vault-dr",
        },
        "item": {"friendlyName": "web01"},
        "approval": {"approvers": ["ops-lead@contoso.com"]},
        "verification": {"workspaceId": "11111111-2222-3333-4444-555555555555", "computer": "web01"},
    }
    body.update(overrides)
    return body
