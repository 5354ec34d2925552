"""What a VMware item's pre-flight reads around it: fabric (server or appliance), policies, vCenters, group.

Used by the VMware pre-flight (``activities.vmware_preflight``) and the recovery plan's
(``activities.recovery_plans``). Reads only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from activities.asr_common import Vault, arm_errors
from domain import vmware


def kind_of_provider(provider: str | None) -> str | None:
    """``vmware-classic`` / ``vmware-modernized`` for an item's replication provider."""
    if provider in ("InMageAzureV2", "InMage"):
        return "vmware-classic"
    if provider in ("InMageRcm", "InMageRcmFailback"):
        return "vmware-modernized"
    return None


def read_fabric(vault: Vault, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The fabric's ``customDetails`` and its providers (configuration server / appliance)."""
    with arm_errors(f"get fabric {name}"):
        fabric = vault.client.replication_fabrics.get(*vault.args, name).as_dict()
    with arm_errors(f"list providers of fabric {name}"):
        providers = [
            dict((p.as_dict().get("properties") or {}), id=p.id, name=p.name)
            for p in vault.client.replication_recovery_services_providers.list_by_replication_fabrics(
                *vault.args, name
            )
        ]
    return dict((fabric.get("properties") or {}).get("customDetails") or {}), providers


def read_policies(vault: Vault) -> list[dict[str, Any]]:
    """Every replication policy of the vault (wire dicts)."""
    with arm_errors("list policies"):
        return [p.as_dict() for p in vault.client.replication_policies.list(*vault.args)]


def read_vcenters(vault: Vault, name: str) -> list[dict[str, Any]]:
    """The vCenters the configuration server discovered (``replicationvCenters``, wire dicts)."""
    with arm_errors(f"list vCenters of fabric {name}"):
        return [
            v.as_dict()
            for v in vault.client.replicationv_centers.list_by_replication_fabrics(*vault.args, name)
        ]


def group_members(vault: Vault, facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Facts of every item of the item's replication group (itself included)."""
    group = facts.get("replicationGroup")
    if not group:
        return [dict(facts)]
    with arm_errors("list items"):
        rpis = [m.as_dict() for m in vault.client.replication_protected_items.list(*vault.args)]
    out: list[dict[str, Any]] = []
    for rpi in rpis:
        member = dict(vmware.vmware_facts(rpi))
        if member.get("replicationGroup") == group:
            out.append(member)
    return out
