"""VMware/physical failback facts and inputs (seed 002, V1, V2), and the V3 checklist people attest. Pure.

The activities read ASR's wire JSON (item, fabric, providers, policies, replication-group
siblings) and hand it here. :func:`vmware_facts` condenses the item, :func:`choose_classic_inputs`
and :func:`choose_modernized_inputs` pick the re-protect inputs the request did not name (V1),
:func:`failback_policy` finds the failback policy (V2). The rules the API shows are in
``domain.vmware_classic_rules`` and ``domain.vmware_modernized_rules``; :data:`CHECKLIST` and
:data:`MODERNIZED_CHECKLIST` are the rest, attested on the approval page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from domain.contracts import ItemFacts
from domain.items import item_facts
from domain.vmware_checks import SEED_CHECKLIST

#: V3: at most this many disks attached to one master target (or appliance).
MAX_MT_DISKS = 60
#: V3: datastores a failback may use.
GOOD_DATASTORES = ("VMFS", "vSAN")
#: V4: the agent of a freshly started VM registers within this time.
AGENT_REGISTRATION = timedelta(minutes=15)
DEFAULT_RETENTION = {"Windows": "R:", "Linux": "/mnt/retention"}

#: V3 rules no API shows: the approver attests each on the approval page.
CHECKLIST: list[dict[str, str]] = [
    {
        "id": "V3-network",
        "text": "Site-to-site VPN or ExpressRoute private peering is up and the Azure VM reaches the "
        "configuration server.",
    },
    {
        "id": "V3-mt-hygiene",
        "text": "Master target: no snapshots, no Storage vMotion, VMware tools installed, "
        "disk.EnableUUID=true, LSI Logic controller (no paravirtual SCSI), not cloned from the VM's "
        "template (unique disk UUIDs).",
    },
    {
        "id": "V3-retention",
        "text": "The retention drive is used for nothing else, is not locked, not a cache volume and "
        "not FAT/FAT32.",
    },
    {
        "id": "V3-esxi",
        "text": "The target is a licensed ESXi host (not the free edition, not Hyper-V, a physical "
        "machine or VMware Workstation).",
    },
    {
        "id": "V3-history",
        "text": "The VM was not migrated, moved to another resource group, re-created by hand in Azure "
        "or had protection disabled; it is not Windows Server 2008 R2 SP1 protected as a physical "
        "server.",
    },
    *SEED_CHECKLIST,  # CS database/backup/same IP, ports and URLs, on-prem VM kept off (issue 16)
]
MODERNIZED_CHECKLIST: list[dict[str, str]] = [
    CHECKLIST[0],
    {
        "id": "V3-appliance-disks",
        "text": "The appliance's reprotect agent holds at most 60 disks including this VM's.",
    },
    CHECKLIST[3],
    CHECKLIST[4],
    *SEED_CHECKLIST[1:],  # ports and URLs, on-prem VM kept off (no configuration server here)
]


def vmware_facts(rpi: Mapping[str, Any], **extra: Any) -> ItemFacts:
    """``ItemFacts`` of a VMware item plus its VMware details (OS, disks, group, agent)."""
    facts = item_facts(rpi, **extra)
    details = (rpi.get("properties") or {}).get("providerSpecificDetails") or {}
    disks = details.get("protectedDisks") or []
    agent = details.get("mobilityAgentDetails") or {}
    size = sum(float(d.get("diskCapacityInBytes") or d.get("capacityInBytes") or 0) for d in disks)
    facts.update(
        {
            "osType": details.get("osType") or facts.get("osType") or "Windows",
            "diskCount": len(disks),
            "diskSizeGB": round(size / 2**30, 2),
            "replicationGroup": details.get("multiVmGroupName"),
            "masterTargetId": details.get("masterTargetId"),
            "processServerId": details.get("processServerId"),
            "runAsAccountId": details.get("runAsAccountId"),
            "agentLastHeartbeat": details.get("lastHeartbeat") or agent.get("lastHeartbeatUtc"),
            "agentRegistered": details.get("isAgentRegistrationSuccessfulAfterFailover"),
            "policyId": (rpi.get("properties") or {}).get("policyId"),
        }
    )
    return facts


def failback_policy(
    policies: Sequence[Mapping[str, Any]], provider: str, forward_id: str | None
) -> dict | None:
    """V2: the failback policy created with the forward one (``<forward>-failback``, else the only one).

    Args:
        policies: policy dicts of the vault.
        provider: the failback policy's ``instanceType`` (``InMage`` or ``InMageRcmFailback``).
        forward_id: the item's (forward) policy id.
    """
    forward = str(forward_id or "").rsplit("/", 1)[-1].lower()
    matching = [
        dict(p)
        for p in policies
        if ((p.get("properties") or {}).get("providerSpecificDetails") or {}).get("instanceType") == provider
    ]
    for policy in matching:
        if str(policy.get("name") or "").lower() == f"{forward}-failback":
            return policy
    return matching[0] if len(matching) == 1 else None


def pick(items: Sequence[Mapping[str, Any]], wanted: str | None, key: str = "id") -> Mapping[str, Any] | None:
    """The entry of ``items`` whose ``key`` is ``wanted`` (any case); ``None`` if none or none wanted."""
    if wanted:
        return next((i for i in items if str(i.get(key)).lower() == wanted.lower()), None)
    return None


def _usable_datastores(mt: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [d for d in mt.get("dataStores") or [] if d.get("type") in GOOD_DATASTORES]


def choose_classic_inputs(
    facts: Mapping[str, Any], cs: Mapping[str, Any], chosen: Mapping[str, Any], disks_in_run: int = 0
) -> dict[str, Any]:
    """V1: master target, process server, datastore and retention drive for ``InMageReprotectInput``.

    What the request named wins; otherwise the master target with the VM's OS (the group's
    master target for a replication group), room for the disks and a VMFS/vSAN datastore;
    a process server not on the configuration server (in Azure); the OS's default retention drive.
    """
    os_type = str(facts.get("osType") or "Windows")
    mts = list(cs.get("masterTargetServers") or [])
    mt = pick(mts, chosen.get("masterTarget"))
    if mt is None and not chosen.get("masterTarget"):
        candidates = [
            m
            for m in mts
            if m.get("osType") == os_type
            and _usable_datastores(m)
            and int(m.get("diskCount") or 0) + int(facts.get("diskCount") or 0) + disks_in_run <= MAX_MT_DISKS
        ]
        if facts.get("masterTargetId"):
            candidates = [m for m in candidates if m.get("id") == facts["masterTargetId"]] or candidates
        mt = candidates[0] if candidates else next((m for m in mts if m.get("osType") == os_type), None)
        mt = mt or (mts[0] if mts else None)
    pss = list(cs.get("processServers") or [])
    ps = pick(pss, chosen.get("processServer"))
    if ps is None and not chosen.get("processServer"):
        in_azure = [p for p in pss if str(p.get("friendlyName")).lower() != str(cs.get("hostName")).lower()]
        ps = (in_azure or pss or [None])[0]
    datastore = chosen.get("datastore")
    if not datastore and mt is not None:
        usable = _usable_datastores(mt)
        datastore = usable[0].get("symbolicName") if usable else None
    retention = chosen.get("retentionDrive") or (
        DEFAULT_RETENTION.get(str(mt.get("osType"))) if mt is not None else None
    )
    return {
        "masterTargetId": (mt or {}).get("id") or chosen.get("masterTarget"),
        "processServerId": (ps or {}).get("id") or chosen.get("processServer"),
        "datastoreName": datastore,
        "retentionDrive": retention,
        "runAsAccountId": chosen.get("runAsAccount"),
    }


def choose_modernized_inputs(
    facts: Mapping[str, Any], appliance: Mapping[str, Any], chosen: Mapping[str, Any]
) -> dict[str, Any]:
    """V1 for ``InMageRcmReprotectInput``: reprotect agent, datastore, log storage account."""
    agents = list(appliance.get("reprotectAgents") or [])
    agent = pick(agents, chosen.get("reprotectAgent")) or (
        agents[0] if agents and not chosen.get("reprotectAgent") else None
    )
    accessible = list((agent or {}).get("accessibleDatastores") or [])
    return {
        "reprotectAgentId": (agent or {}).get("id") or chosen.get("reprotectAgent"),
        "datastoreName": chosen.get("datastore") or (accessible[0] if accessible else None),
        "logStorageAccountId": chosen.get("logStorageAccountId"),
        "processServerId": chosen.get("forwardProcessServer")
        or ((appliance.get("processServers") or [{}])[0].get("id")),
    }
