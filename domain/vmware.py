"""VMware/physical failback facts, inputs and pre-flight rules (seed 002, V1-V6). Pure.

The activities read ASR's wire JSON (item, fabric, providers, policies, replication-group
siblings) and hand it here. :func:`vmware_facts` condenses the item, :func:`choose_inputs`
picks the re-protect inputs the request did not name (V1, V2), :func:`run_vmware_preflight`
checks every V3 rule the API shows and returns the rest as an attested checklist for the
approval page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from domain.contracts import ItemFacts
from domain.items import item_facts, parse_time
from domain.preflight import HEARTBEAT_STALE_AFTER
from domain.vmware_checks import SEED_CHECKLIST
from domain.vmware_state import ONPREM_PROVIDERS, reprotect_permission, runs_in_azure

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


def _check(rule_id: str, rule: str, passed: bool, evidence: str, remedy: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rule_id, "rule": rule, "passed": passed, "evidence": evidence}
    if not passed:
        out["remedy"] = remedy or "Fix the condition, then start a new failback."
    return out


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


def _pick(
    items: Sequence[Mapping[str, Any]], wanted: str | None, key: str = "id"
) -> Mapping[str, Any] | None:
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
    mt = _pick(mts, chosen.get("masterTarget"))
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
    ps = _pick(pss, chosen.get("processServer"))
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


def _mt_of(cs: Mapping[str, Any], mt_id: str | None) -> Mapping[str, Any] | None:
    return _pick(list(cs.get("masterTargetServers") or []), mt_id)


def classic_rules(
    facts: Mapping[str, Any],
    cs: Mapping[str, Any],
    providers: Sequence[Mapping[str, Any]],
    inputs: Mapping[str, Any],
    *,
    policy: Mapping[str, Any] | None,
    group: Sequence[Mapping[str, Any]],
    disks_in_run: int,
    now: datetime,
    via_plan: bool,
) -> list[dict[str, Any]]:
    """Every V3 rule the API shows, for a classic (``InMageAzureV2``) item. Pure.

    Args:
        facts: :func:`vmware_facts` of the item.
        cs: the fabric's ``customDetails`` (configuration server).
        providers: the fabric's providers (the configuration server's connection).
        inputs: :func:`choose_classic_inputs` output.
        policy: the failback policy found (V2).
        group: facts of every item of the item's replication group (itself included).
        disks_in_run: disks of the other VMs re-protected to the same master target in this run.
        now: the orchestration's time.
        via_plan: whether the item is failed back through its recovery plan (V5).
    """
    checks = [_state_rule(facts)]
    connected = [p for p in providers if (p.get("connectionStatus") == "Connected")]
    beat = parse_time(cs.get("lastHeartbeat"))
    stale = beat is not None and now - beat > HEARTBEAT_STALE_AFTER
    running = cs.get("csServiceStatus") in (None, "Running")
    checks.append(
        _check(
            "V3-cs",
            "The configuration server runs and is connected (that the VM is in its database is "
            "attested: V3-cs-database)",
            bool(connected) and running and not stale,
            f"{cs.get('hostName')}: connection={[p.get('connectionStatus') for p in providers]}, "
            f"service={cs.get('csServiceStatus')}, lastHeartbeat={cs.get('lastHeartbeat')}",
            "Start the configuration server and its services; it must stay connected during re-protect "
            "and failback.",
        )
    )
    ps = _pick(list(cs.get("processServers") or []), inputs.get("processServerId"))
    checks.append(
        _check(
            "V3-ps",
            "A healthy process server close to the Azure VM (in Azure when only S2S VPN exists)",
            ps is not None and ps.get("health") in (None, "Normal"),
            f"processServer={inputs.get('processServerId')}: "
            + (f"health={ps.get('health')}, ip={ps.get('ipAddress')}" if ps else "not registered"),
            "Deploy a process server in Azure (or use ExpressRoute) and name it in vmware.processServer.",
        )
    )
    mt = _mt_of(cs, inputs.get("masterTargetId"))
    checks.append(
        _check(
            "V3-mt-os",
            "A Linux VM needs a Linux master target (the master target has the VM's OS)",
            mt is not None and mt.get("osType") == facts.get("osType"),
            f"VM osType={facts.get('osType')}, master target {inputs.get('masterTargetId')} "
            f"osType={(mt or {}).get('osType')}",
            "Install a master target with the VM's OS (a Linux MT for Linux VMs) and name it.",
        )
    )
    total = int((mt or {}).get("diskCount") or 0) + int(facts.get("diskCount") or 0) + disks_in_run
    checks.append(
        _check(
            "V3-disks",
            f"At most {MAX_MT_DISKS} disks on the master target, counting the VMs being re-protected",
            mt is not None and total <= MAX_MT_DISKS,
            f"master target {inputs.get('masterTargetId')}: {(mt or {}).get('diskCount')} attached + "
            f"{facts.get('diskCount')} of this VM + {disks_in_run} of others in this run = {total}",
            "Add another master target and name it in vmware.masterTarget.",
        )
    )
    checks.append(_datastore_rule(mt, inputs.get("datastoreName")))
    volumes = [
        v
        for v in (mt or {}).get("retentionVolumes") or []
        if v.get("volumeName") == inputs.get("retentionDrive")
    ]
    checks.append(
        _check(
            "V3-retention",
            "The retention drive exists on the master target with a non-zero size",
            bool(volumes) and int(volumes[0].get("capacityInBytes") or 0) > 0,
            f"retentionDrive={inputs.get('retentionDrive')}, volumes on the MT: "
            f"{[v.get('volumeName') for v in (mt or {}).get('retentionVolumes') or []]}",
            "Add a retention volume to the master target (it appears up to 15 min later) and name it.",
        )
    )
    accounts = [a.get("accountId") for a in cs.get("runAsAccounts") or []]
    wanted = inputs.get("runAsAccountId")
    checks.append(
        _check(
            "V3-vcenter-account",
            "vCenter is discovered with an account that can see datastores",
            bool((mt or {}).get("dataStores")) and (not wanted or wanted in accounts),
            f"runAsAccount={wanted}, accounts visible={accounts}, datastores seen by the MT="
            f"{[d.get('symbolicName') for d in (mt or {}).get('dataStores') or []]}",
            "Re-discover vCenter with an account that can read datastores (not read-only).",
        )
    )
    return checks + common_rules(facts, policy, group, via_plan=via_plan, now=now)


def _state_rule(facts: Mapping[str, Any], operation: str = "SwitchProtection") -> dict[str, Any]:
    allowed = list(facts.get("allowedOperations") or [])
    # Re-protected to on-prem by an earlier run (e.g. one not approved): that re-protect is adopted.
    reprotected = facts.get("provider") in ONPREM_PROVIDERS and facts.get("protectionState") == "Protected"
    return _check(
        "V3-state",
        "The VM failed over to Azure and was committed; it was not migrated or had protection disabled",
        (reprotect_permission(facts) is not None or operation in allowed or reprotected)
        and runs_in_azure(facts)
        and not facts.get("currentScenario"),
        f"protectionState={facts.get('protectionState')}, activeLocation={facts.get('activeLocation')}, "
        f"provider={facts.get('provider')}, allowedOperations={allowed}, "
        f"running={facts.get('currentScenario')}",
        "Commit the failover to Azure first and wait for running jobs; migrated or unprotected VMs "
        "cannot fail back.",
    )


def _datastore_rule(mt: Mapping[str, Any] | None, name: str | None) -> dict[str, Any]:
    stores = list((mt or {}).get("dataStores") or [])
    found = next((d for d in stores if d.get("symbolicName") == name), None)
    vmfs = [d for d in stores if d.get("type") == "VMFS"]
    return _check(
        "V3-datastore",
        "Failback only to a VMFS or vSAN datastore (never NFS); the ESXi host has a VMFS datastore",
        found is not None
        and found.get("type") in GOOD_DATASTORES
        and bool(vmfs or found.get("type") == "vSAN"),
        f"datastore={name} type={(found or {}).get('type')}; datastores of the MT host: "
        f"{[(d.get('symbolicName'), d.get('type')) for d in stores]}",
        "Add a VMFS or vSAN datastore to the master target's ESXi host and name it in vmware.datastore.",
    )


def common_rules(
    facts: Mapping[str, Any],
    policy: Mapping[str, Any] | None,
    group: Sequence[Mapping[str, Any]],
    *,
    via_plan: bool,
    now: datetime,
) -> list[dict[str, Any]]:
    """The rules classic and modernized share: V2 (failback policy), the group rules, the V4 note."""
    v2 = _check(
        "V2",
        "The failback policy created with the forward policy exists",
        policy is not None,
        f"failback policy={(policy or {}).get('name')}",
        "Re-create the replication policy; its failback policy is created with it.",
    )
    return [v2, *group_rules(facts, group, via_plan=via_plan), agent_note(facts, now)]


def group_rules(
    facts: Mapping[str, Any], group: Sequence[Mapping[str, Any]], *, via_plan: bool
) -> list[dict[str, Any]]:
    """V3/V5: a replication group shares the OS and master target; it fails back only through its plan."""
    name = facts.get("replicationGroup")
    if not name:
        return [_check("V5", "Replication group handled through its recovery plan", True, "not in a group")]
    os_types = sorted({str(m.get("osType")) for m in group})
    mts = sorted({str(m.get("masterTargetId")) for m in group if m.get("masterTargetId")})
    out = [
        _check(
            "V3-group-os",
            "All VMs of a replication group share the OS type (and the same master target)",
            len(os_types) == 1 and len(mts) <= 1,
            f"group {name}: OS types {os_types}, master targets {mts or 'none yet'}",
            "Split the replication group by OS, or fail the VMs back with the same master target.",
        ),
        _check(
            "V5",
            "A replication group fails back only through its recovery plan",
            via_plan and bool(facts.get("recoveryPlan")),
            f"group {name}, recovery plan {facts.get('recoveryPlan')}, via plan={via_plan}",
            f"Fail back with kind 'recovery-plan' and recoveryPlan '{facts.get('recoveryPlan')}'.",
        ),
    ]
    return out


def agent_note(facts: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """V4, informational: whether the mobility agent has registered; the run waits when not."""
    beat = parse_time(facts.get("agentLastHeartbeat"))
    registered = facts.get("agentRegistered")
    fresh = beat is not None and now - beat <= HEARTBEAT_STALE_AFTER
    state = "registered" if (registered is True or fresh) else "not registered yet"
    return _check(
        "V4",
        "Mobility agent registration (up to 15 minutes after the Azure VM starts; the run waits)",
        True,
        f"agent {state} (lastHeartbeat={facts.get('agentLastHeartbeat')}); re-protect is retried on "
        "'agent not installed' for up to 15 minutes plus a margin",
    )


def modernized_rules(
    facts: Mapping[str, Any],
    appliance: Mapping[str, Any],
    inputs: Mapping[str, Any],
    *,
    policy: Mapping[str, Any] | None,
    group: Sequence[Mapping[str, Any]],
    now: datetime,
    via_plan: bool,
) -> list[dict[str, Any]]:
    """V3 rules the API shows for a modernized (``InMageRcm``) item. Pure."""
    checks = [_state_rule(facts)]
    agents = list(appliance.get("reprotectAgents") or [])
    agent = _pick(agents, inputs.get("reprotectAgentId"))
    beat = parse_time((agent or {}).get("lastHeartbeatUtc"))
    live = agent is not None and agent.get("health") in (None, "Normal")
    live = live and (beat is None or now - beat <= HEARTBEAT_STALE_AFTER)
    checks.append(
        _check(
            "V3-appliance",
            "The appliance's reprotect agent is healthy and connected",
            live,
            f"reprotectAgent={inputs.get('reprotectAgentId')}: "
            + (
                f"health={agent.get('health')}, lastHeartbeat={agent.get('lastHeartbeatUtc')}"
                if agent
                else "not found"
            ),
            "Start the replication appliance and check its reprotect agent.",
        )
    )
    accessible = list((agent or {}).get("accessibleDatastores") or [])
    checks.append(
        _check(
            "V3-datastore",
            "The target datastore is one the appliance can access",
            bool(inputs.get("datastoreName")) and inputs.get("datastoreName") in accessible,
            f"datastore={inputs.get('datastoreName')}, accessible={accessible}",
            "Name a datastore the appliance's reprotect agent can access (vmware.datastore).",
        )
    )
    checks.append(
        _check(
            "V3-disks",
            f"At most {MAX_MT_DISKS} disks per appliance (this VM's own count)",
            int(facts.get("diskCount") or 0) <= MAX_MT_DISKS,
            f"VM disks={facts.get('diskCount')}",
            "Use another appliance.",
        )
    )
    checks.append(
        _check(
            "V1-log-storage",
            "A log (cache) storage account for the re-protect is named",
            bool(inputs.get("logStorageAccountId")),
            f"logStorageAccountId={inputs.get('logStorageAccountId')}",
            "Name the cache storage account in vmware.logStorageAccountId.",
        )
    )
    return checks + common_rules(facts, policy, group, via_plan=via_plan, now=now)


def choose_modernized_inputs(
    facts: Mapping[str, Any], appliance: Mapping[str, Any], chosen: Mapping[str, Any]
) -> dict[str, Any]:
    """V1 for ``InMageRcmReprotectInput``: reprotect agent, datastore, log storage account."""
    agents = list(appliance.get("reprotectAgents") or [])
    agent = _pick(agents, chosen.get("reprotectAgent")) or (
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
