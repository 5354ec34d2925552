"""The V3 pre-flight rules the API shows for a classic (``InMageAzureV2``) VMware item. Pure.

Configuration server, process server, master target (OS, disks, datastore, retention drive) and
the vCenter account; then the rules shared with modernized items (``domain.vmware_rules``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from domain.i18n import N_, message
from domain.items import parse_time
from domain.site_health import HEARTBEAT_STALE_AFTER
from domain.vmware import GOOD_DATASTORES, MAX_MT_DISKS, pick
from domain.vmware_rules import check, common_rules, state_rule


def _mt_of(cs: Mapping[str, Any], mt_id: str | None) -> Mapping[str, Any] | None:
    return pick(list(cs.get("masterTargetServers") or []), mt_id)


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
    checks = [state_rule(facts)]
    connected = [p for p in providers if (p.get("connectionStatus") == "Connected")]
    beat = parse_time(cs.get("lastHeartbeat"))
    stale = beat is not None and now - beat > HEARTBEAT_STALE_AFTER
    running = cs.get("csServiceStatus") in (None, "Running")
    checks.append(
        check(
            "V3-cs",
            message(
                N_(
                    "The configuration server runs and is connected (that the VM is in its database is "
                    "attested: V3-cs-database)"
                )
            ),
            bool(connected) and running and not stale,
            message(
                N_("%(host)s: connection=%(connection)s, service=%(service)s, lastHeartbeat=%(beat)s"),
                host=cs.get("hostName"),
                connection=str([p.get("connectionStatus") for p in providers]),
                service=cs.get("csServiceStatus"),
                beat=cs.get("lastHeartbeat"),
            ),
            message(
                N_(
                    "Start the configuration server and its services; it must stay connected during "
                    "re-protect and failback."
                )
            ),
        )
    )
    ps = pick(list(cs.get("processServers") or []), inputs.get("processServerId"))
    checks.append(
        check(
            "V3-ps",
            message(N_("A healthy process server close to the Azure VM (in Azure when only S2S VPN exists)")),
            ps is not None and ps.get("health") in (None, "Normal"),
            message(
                N_("processServer=%(ps)s: health=%(health)s, ip=%(ip)s"),
                ps=inputs.get("processServerId"),
                health=ps.get("health"),
                ip=ps.get("ipAddress"),
            )
            if ps
            else message(N_("processServer=%(ps)s: not registered"), ps=inputs.get("processServerId")),
            message(
                N_(
                    "Deploy a process server in Azure (or use ExpressRoute) and name it in "
                    "vmware.processServer."
                )
            ),
        )
    )
    mt = _mt_of(cs, inputs.get("masterTargetId"))
    checks.append(
        check(
            "V3-mt-os",
            message(N_("A Linux VM needs a Linux master target (the master target has the VM's OS)")),
            mt is not None and mt.get("osType") == facts.get("osType"),
            message(
                N_("VM osType=%(os)s, master target %(mt)s osType=%(mt_os)s"),
                os=facts.get("osType"),
                mt=inputs.get("masterTargetId"),
                mt_os=(mt or {}).get("osType"),
            ),
            message(N_("Install a master target with the VM's OS (a Linux MT for Linux VMs) and name it.")),
        )
    )
    total = int((mt or {}).get("diskCount") or 0) + int(facts.get("diskCount") or 0) + disks_in_run
    checks.append(
        check(
            "V3-disks",
            message(
                N_("At most %(max)s disks on the master target, counting the VMs being re-protected"),
                max=MAX_MT_DISKS,
            ),
            mt is not None and total <= MAX_MT_DISKS,
            message(
                N_(
                    "master target %(mt)s: %(attached)s attached + %(own)s of this VM + %(others)s of others "
                    "in this run = %(total)s"
                ),
                mt=inputs.get("masterTargetId"),
                attached=(mt or {}).get("diskCount"),
                own=facts.get("diskCount"),
                others=disks_in_run,
                total=total,
            ),
            message(N_("Add another master target and name it in vmware.masterTarget.")),
        )
    )
    checks.append(_datastore_rule(mt, inputs.get("datastoreName")))
    volumes = [
        v
        for v in (mt or {}).get("retentionVolumes") or []
        if v.get("volumeName") == inputs.get("retentionDrive")
    ]
    checks.append(
        check(
            "V3-retention",
            message(N_("The retention drive exists on the master target with a non-zero size")),
            bool(volumes) and int(volumes[0].get("capacityInBytes") or 0) > 0,
            message(
                N_("retentionDrive=%(drive)s, volumes on the MT: %(volumes)s"),
                drive=inputs.get("retentionDrive"),
                volumes=str([v.get("volumeName") for v in (mt or {}).get("retentionVolumes") or []]),
            ),
            message(
                N_("Add a retention volume to the master target (it appears up to 15 min later) and name it.")
            ),
        )
    )
    accounts = [a.get("accountId") for a in cs.get("runAsAccounts") or []]
    wanted = inputs.get("runAsAccountId")
    checks.append(
        check(
            "V3-vcenter-account",
            message(N_("vCenter is discovered with an account that can see datastores")),
            bool((mt or {}).get("dataStores")) and (not wanted or wanted in accounts),
            message(
                N_(
                    "runAsAccount=%(wanted)s, accounts visible=%(accounts)s, datastores seen by the MT="
                    "%(stores)s"
                ),
                wanted=wanted,
                accounts=str(accounts),
                stores=str([d.get("symbolicName") for d in (mt or {}).get("dataStores") or []]),
            ),
            message(N_("Re-discover vCenter with an account that can read datastores (not read-only).")),
        )
    )
    return checks + common_rules(facts, policy, group, via_plan=via_plan, now=now)


def _datastore_rule(mt: Mapping[str, Any] | None, name: str | None) -> dict[str, Any]:
    stores = list((mt or {}).get("dataStores") or [])
    found = next((d for d in stores if d.get("symbolicName") == name), None)
    vmfs = [d for d in stores if d.get("type") == "VMFS"]
    return check(
        "V3-datastore",
        message(
            N_("Failback only to a VMFS or vSAN datastore (never NFS); the ESXi host has a VMFS datastore")
        ),
        found is not None
        and found.get("type") in GOOD_DATASTORES
        and bool(vmfs or found.get("type") == "vSAN"),
        message(
            N_("datastore=%(name)s type=%(type)s; datastores of the MT host: %(stores)s"),
            name=name,
            type=(found or {}).get("type"),
            stores=str([(d.get("symbolicName"), d.get("type")) for d in stores]),
        ),
        message(
            N_(
                "Add a VMFS or vSAN datastore to the master target's ESXi host and name it in "
                "vmware.datastore."
            )
        ),
    )
