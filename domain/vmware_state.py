"""Where a VMware item's VM runs and what it allows, read per replication provider (R43, R47). Pure.

The same fields mean different things per provider: an ``InMageRcmFailback`` item replicating
back to on-premises reads ``activeLocation`` ``Primary`` while its VM runs in Azure (R47), and a
classic item in Azure offers ``SwitchProtection`` where a Hyper-V item offers ``ReverseReplicate``
(R43).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Replication providers of an item already re-protected towards on-premises (an earlier run's sync phase 1).
ONPREM_PROVIDERS = ("InMage", "InMageRcmFailback")
#: R43: what a VMware item in Azure offers for the re-protect towards on-premises (classic items offer
#: ``SwitchProtection``, not ``ReverseReplicate``); either name is the permission to re-protect.
REPROTECT_PERMISSIONS = ("SwitchProtection", "ReverseReplicate")
#: Scenario names of a VMware re-protect job (``ReprotectReplicationGroup``; ``SwitchProtection`` /
#: ``SwitchReplicationGroupProtection`` are reported for switch protection, R43 and RECORDED.md).
_REPROTECT_SCENARIOS = (
    "reprotect",
    "switchprotection",
    "switchreplicationgroupprotection",
    "reversereplication",
)


def is_reprotect_scenario(name: str) -> bool:
    """Whether a job's ``scenarioName`` is a VMware re-protect / switch protection."""
    text = name.replace(" ", "").lower()
    return any(marker in text for marker in _REPROTECT_SCENARIOS)


def reprotect_permission(facts: Mapping[str, Any]) -> str | None:
    """The operation name under which the item offers its re-protect now (R43), or ``None``."""
    allowed = list(facts.get("allowedOperations") or [])
    return next((p for p in REPROTECT_PERMISSIONS if p in allowed), None)


def runs_in_azure(facts: Mapping[str, Any]) -> bool:
    """Whether the item's VM runs in Azure, read per replication provider.

    R47: an ``InMageRcmFailback`` item replicating back to on-premises reads ``activeLocation``
    ``Primary`` while its VM still runs in Azure, so for the on-premises-bound providers
    (``InMage``, ``InMageRcmFailback``) ``activeLocation`` is no guide: the VM is in Azure until a
    failover state (failed back, commit pending / committed) shows. For the Azure-bound providers
    (``InMageAzureV2``, ``InMageRcm``) ``activeLocation`` ``Recovery`` means Azure.
    """
    if facts.get("provider") in ONPREM_PROVIDERS:
        return "failover" not in str(facts.get("protectionState") or "").lower()
    return facts.get("activeLocation") == "Recovery"


def failed_back(facts: Mapping[str, Any]) -> bool:
    """Whether the VM runs on-premises again (the failback failover has happened)."""
    return not runs_in_azure(facts) and facts.get("activeLocation") == "Primary"
