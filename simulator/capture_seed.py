"""Seed a world from a vault capture (``python -m cli capture``, format in ``docs/capture.md``).

A capture holds what ARM answered for one vault: fabrics (with their providers, containers,
protectable items and vCenters), protected items, recovery plans, policies and recent jobs, plus
the heartbeat summary of a workspace. ``build_from_capture`` turns it back into the simulator's own
models, so that the replayed vault answers like the captured one *and* behaves like the simulator
(jobs, failback, commit, re-protect):

- items keep their name, VM name, states and allowed operations; disks, OS and host come from their
  provider-specific details; the on-prem VM is absent when its container no longer lists it;
- fabrics keep their kind, providers (connection state), containers, encryption details and, for
  VMware, the configuration server / appliance parts (process servers, master targets, datastores,
  retention volumes, run-as accounts, reprotect agents);
- jobs are served as recorded (``RecordedJob``), their times moved by as much as the clock moved
  since the capture;
- plans keep their boot groups.

Like every simulator module it imports nothing from the app; ``register_capture`` adds the capture as a
scenario (``capture:<name>``) that ``SimulatorServer`` / ``--capture`` seed.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from simulator import scenarios
from simulator.models import hyperv_states
from simulator.models.base import iso, parse_time
from simulator.models.fabrics import Container, Fabric, Policy
from simulator.models.hyperv import HyperVItem
from simulator.models.items import ItemState, ProtectedItem
from simulator.models.jobs import Job
from simulator.models.machines import Disk, Machine
from simulator.models.recovery_plans import add_plan
from simulator.models.vmware_classic import ClassicVmwareItem
from simulator.models.vmware_infra import (
    GIB,
    Appliance,
    ConfigServer,
    Datastore,
    MasterTarget,
    ProcessServer,
    ReprotectAgent,
    RetentionVolume,
    RunAsAccount,
)
from simulator.models.vmware_modernized import ModernizedVmwareItem
from simulator.models.world import World

FORMAT = "asr-failback-capture"
#: versions of the capture format this module reads
VERSIONS = (1,)
#: the resource lists of a capture (``resources`` keys)
KINDS = (
    "fabrics",
    "providers",
    "containers",
    "protectableItems",
    "vCenters",
    "protectedItems",
    "recoveryPlans",
    "policies",
    "jobs",
)
#: the Hyper-V states the model names (a captured state equal to one of them becomes that one)
_HYPERV_STATES = [v for v in vars(hyperv_states).values() if isinstance(v, ItemState)]


class CaptureError(ValueError):
    """The file is not a capture this simulator reads."""


def load(path: str | Path) -> dict[str, Any]:
    """Read and check a capture file."""
    try:
        capture = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise CaptureError(f"{path}: not a readable JSON capture ({error})") from error
    check(capture)
    return dict(capture)


def check(capture: Any) -> None:
    """Raise ``CaptureError`` unless ``capture`` is a capture of a version this module reads."""
    if not isinstance(capture, dict) or capture.get("format") != FORMAT:
        raise CaptureError(f"not a vault capture (format must be {FORMAT!r})")
    if capture.get("version") not in VERSIONS:
        raise CaptureError(
            f"capture version {capture.get('version')!r} is not supported (supported: {list(VERSIONS)})"
        )


def register_capture(source: str | Path | dict[str, Any], name: str | None = None) -> str:
    """Register a capture (file or dict) as a scenario; return its name (``capture:<name>``)."""
    capture = source if isinstance(source, dict) else load(source)
    check(capture)
    label = name or (Path(source).stem if not isinstance(source, dict) else str(capture["vault"]["name"]))
    scenario = f"capture:{label}"
    scenarios.register_scenario(
        scenario,
        f"replay of the capture of vault {capture['vault']['name']} taken {capture.get('capturedAt')}",
        lambda world: build_from_capture(world, capture),
    )
    return scenario


# --- helpers ----------------------------------------------------------------------------------------
def segment(arm_id: str | None, key: str) -> str | None:
    """The id segment after ``key`` (case-insensitive), e.g. ``segment(id, "replicationFabrics")``."""
    parts = str(arm_id or "").split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == key.lower():
            return parts[i + 1]
    return None


def _last(arm_id: str | None) -> str:
    return str(arm_id or "").rstrip("/").rsplit("/", 1)[-1]


def _props(resource: dict[str, Any]) -> dict[str, Any]:
    return dict(resource.get("properties") or {})


class _Seeder:
    """One capture into one world."""

    def __init__(self, world: World, capture: dict[str, Any]) -> None:
        self.world = world
        self.capture = capture
        self.res: dict[str, list[dict[str, Any]]] = {
            k: list(capture["resources"].get(k) or []) for k in KINDS
        }
        captured_at = capture.get("capturedAt")
        self.shift = world.now() - parse_time(captured_at) if captured_at else timedelta(0)
        self.configs: dict[str, ConfigServer] = {}
        self.appliances: dict[str, Appliance] = {}
        self.skipped: list[dict[str, str]] = []
        heartbeats = (capture.get("workspace") or {}).get("heartbeats") or []
        self.heartbeats = {
            str(h.get("computer", "")).lower(): h.get("lastHeartbeat")
            for h in heartbeats
            if h.get("computer")
        }

    def when(self, text: Any) -> datetime | None:
        """A captured time moved to the world's clock (None for sentinels and nulls)."""
        if not text or str(text).startswith(("0001-", "1753-")):
            return None
        try:
            return parse_time(str(text)) + self.shift
        except ValueError:
            return None

    # --- vault ------------------------------------------------------------------------------------
    def seed(self) -> None:
        vault = self.capture["vault"]
        world = self.world
        world.subscription_id = str(vault["subscriptionId"])
        world.resource_group = str(vault["resourceGroup"])
        world.vault = str(vault["name"])
        world.location = str(vault.get("location") or world.location)
        workspace = self.capture.get("workspace") or {}
        if workspace.get("id"):
            world.workspace_id = str(workspace["id"])
        for policy in self.res["policies"]:
            props = _props(policy)
            world.add_policy(
                policy["name"], props.get("friendlyName") or policy["name"], props["providerSpecificDetails"]
            )
        for fabric in self.res["fabrics"]:
            self.fabric(fabric)
        for provider in self.res["providers"]:
            self.provider(provider)
        for container in self.res["containers"]:
            props = _props(container)
            parent = world.fabric(str(segment(container["id"], "replicationFabrics")))
            parent.add_container(container["name"], props.get("friendlyName") or container["name"])
        self.vcenters()
        for item in self.res["protectedItems"]:
            self.item(item)
        for plan in self.res["recoveryPlans"]:
            self.plan(plan)
        for job in self.res["jobs"]:
            self.job(job)
        world.extras["capture"] = {
            "capturedAt": self.capture.get("capturedAt"),
            "shiftSeconds": self.shift.total_seconds(),
            "skipped": self.skipped,
        }

    # --- fabrics ----------------------------------------------------------------------------------
    def fabric(self, resource: dict[str, Any]) -> Fabric:
        props = _props(resource)
        details = dict(props.get("customDetails") or {})
        kind = str(details.get("instanceType") or "HyperVSite")
        fabric = self.world.add_fabric(resource["name"], props.get("friendlyName") or resource["name"], kind)
        if props.get("internalIdentifier"):
            fabric.internal_identifier = str(props["internalIdentifier"])
        encryption = props.get("encryptionDetails") or {}
        if encryption.get("kekState") not in (None, "None"):
            fabric.encryption = dict(encryption)
        if kind == "VMware":
            self.configs[fabric.name.lower()] = cs = _config_server(fabric.name, details)
            self.world.extras["vmware_config_server"] = cs

            def classic(at: datetime, cs: ConfigServer = cs, fabric: Fabric = fabric) -> dict[str, Any]:
                providers = list(fabric.providers.values())
                return cs.custom_details(at, all(p.is_connected(at) for p in providers))

            fabric.custom_details = classic
        elif kind == "InMageRcm":
            self.appliances[fabric.name.lower()] = appliance = _appliance(fabric, details)
            self.world.extras["vmware_appliance"] = appliance
            fabric.custom_details = appliance.custom_details
        return fabric

    def provider(self, resource: dict[str, Any]) -> None:
        props = _props(resource)
        fabric = self.world.fabric(str(segment(resource["id"], "replicationFabrics")))
        connected = props.get("connectionStatus", "Connected") == "Connected"
        provider = fabric.add_provider(
            resource["name"], props.get("friendlyName") or resource["name"], connected
        )
        if not connected:
            provider.disconnected_since = self.when(props.get("lastHeartBeat")) or provider.disconnected_since
        if props.get("providerVersion"):
            provider.provider_version = str(props["providerVersion"])
        if props.get("machineId"):
            provider.machine_id = str(props["machineId"])

    def vcenters(self) -> None:
        """The first vCenter of a configuration server names its discovery account; the rest are extras."""
        extra = []
        for vcenter in self.res["vCenters"]:
            props = _props(vcenter)
            cs = self.configs.get(str(segment(vcenter["id"], "replicationFabrics")).lower())
            if cs is None:
                continue
            account = str(props.get("runAsAccountId") or "")
            if account and cs.run_as_account(account) is None:
                # an account ARM does not list is a read-only one (seed 002): its vCenter says so
                read_only = any(str(e.get("errorCode")) == "78064" for e in props.get("healthErrors") or [])
                cs.run_as_accounts.append(RunAsAccount(account, account, read_only=read_only))
            entry = {
                "name": vcenter["name"],
                "friendlyName": props.get("friendlyName") or vcenter["name"],
                "ipAddress": props.get("ipAddress"),
            }
            if not cs.discovery_account_id:
                cs.discovery_account_id = account
                self.world.extras["vmware_default_vcenter"] = entry
                continue
            extra.append({**entry, "runAsAccountId": account})
        if extra:
            self.world.extras["vmware_extra_vcenters"] = extra

    # --- items ------------------------------------------------------------------------------------
    def _container(self, arm_id: str) -> Container:
        return self.world.container(
            str(segment(arm_id, "replicationFabrics")),
            str(segment(arm_id, "replicationProtectionContainers")),
        )

    def _policy(self, props: dict[str, Any]) -> Policy:
        name = _last(props.get("policyId"))
        policy = self.world.policies.get(name.lower())
        if policy is None:  # a policy the reader could not list: keep the item's name for it
            policy = self.world.add_policy(
                name or "policy",
                props.get("policyFriendlyName") or name or "policy",
                {"instanceType": "Unknown"},
            )
        return policy

    def _present_onprem(self, container: Container, props: dict[str, Any]) -> bool:
        """Whether the container still lists the item's VM (its protectable item)."""
        wanted = _last(props.get("protectableItemId")).lower()
        friendly = str(props.get("friendlyName") or "").lower()
        for protectable in self.res["protectableItems"]:
            where = str(segment(protectable["id"], "replicationProtectionContainers") or "")
            if where.lower() != container.name.lower():
                continue
            name = str(protectable.get("name", "")).lower()
            if name == wanted or str(_props(protectable).get("friendlyName", "")).lower() == friendly:
                return True
        return False

    def _state(self, props: dict[str, Any], known: list[ItemState]) -> ItemState:
        state = ItemState(
            str(props.get("protectionState") or "Unknown"),
            str(props.get("protectionStateDescription") or props.get("protectionState") or ""),
            str(props.get("activeLocation") or "Recovery"),
            [str(o) for o in props.get("allowedOperations") or []],
        )
        for candidate in known:
            if candidate == state:
                return candidate
        return state

    def item(self, resource: dict[str, Any]) -> None:
        props = _props(resource)
        details = dict(props.get("providerSpecificDetails") or {})
        instance = str(details.get("instanceType") or "")
        container = self._container(resource["id"])
        if instance == "HyperVReplicaAzure":
            item: ProtectedItem = self.hyperv(resource, props, details, container)
        elif instance in ("InMageAzureV2", "InMage"):
            item = self.classic(resource, props, details, container)
        elif instance in ("InMageRcm", "InMageRcmFailback"):
            item = self.modernized(resource, props, details, container)
        else:
            self.skipped.append(
                {"item": resource["name"], "reason": f"provider {instance!r} is not simulated"}
            )
            return
        item.last_failover_time = self.when(props.get("lastSuccessfulFailoverTime"))
        item.health_errors = list(props.get("healthErrors") or [])
        self.world.add_item(item)

    def _machine(
        self, props: dict[str, Any], disks: list[Disk], os_type: str, host: str, vm_id: str, ip: str | None
    ) -> Machine:
        name = str(props.get("friendlyName"))
        machine = Machine(
            name=name,
            os_type=os_type or "Windows",
            disks=disks or [Disk(f"{name}-osdisk", 127)],
            onprem_host=host,
            azure_vm_id=vm_id,
            ip_address=ip or f"10.0.0.{10 + len(self.world.machines) % 240}",
        )
        return self.world.add_machine(machine)

    def _place(self, machine: Machine, props: dict[str, Any], present: bool) -> None:
        """Which copy runs: Azure when the item is active there, on-prem when it replicates from there."""
        now = self.world.now()
        active = props.get("activeLocation")
        failed_over = self.when(props.get("lastSuccessfulFailoverTime"))
        beat = self.when(self.heartbeats.get(machine.name.lower()))
        if not present:
            machine.onprem_state = "absent"
        if active == "Recovery":
            machine.start_azure(failed_over or now - timedelta(days=1))
        elif present and (props.get("protectionState") == "Protected" or beat is not None):
            machine.start_onprem(beat - timedelta(days=1) if beat else now - timedelta(days=1))

    def hyperv(
        self, resource: dict[str, Any], props: dict[str, Any], details: dict[str, Any], container: Container
    ) -> HyperVItem:
        managed = str(details.get("useManagedDisks", "true")).lower() == "true"
        disks = [
            Disk(
                str(d.get("vhdName") or d.get("targetDiskName") or f"disk{i}"),
                max(1, int(float(d.get("maxSizeMB") or 0) / 1024)),
                managed,
            )
            for i, d in enumerate(details.get("azureVmDiskDetails") or [])
        ]
        host = _last(props.get("recoveryServicesProviderId"))
        os_type = str((details.get("oSDetails") or {}).get("osType") or "Windows")
        machine = self._machine(props, disks, os_type, host, str(details.get("vmId") or ""), None)
        state = self._state(props, _HYPERV_STATES)
        item = HyperVItem(self.world, container, resource["name"], machine, self._policy(props), host, state)
        _keep_vm_id(item, props)
        planned = state.protection_state.startswith("Planned")
        item.committed_state = (
            hyperv_states.PLANNED_COMMITTED if planned else hyperv_states.UNPLANNED_COMMITTED
        )
        self._place(machine, props, self._present_onprem(container, props))
        return item

    def _vmware_disks(self, details: dict[str, Any], name: str) -> list[Disk]:
        out = []
        for i, d in enumerate(details.get("protectedDisks") or []):
            size = d.get("diskCapacityInBytes") or d.get("capacityInBytes") or 0
            out.append(Disk(str(d.get("diskName") or f"{name}-disk{i}"), max(1, int(int(size) / GIB))))
        return out

    def _agent_delay(self, registered: bool) -> dict[str, Any]:
        return {"agent_delay_s": 0.0} if registered else {}

    def classic(
        self, resource: dict[str, Any], props: dict[str, Any], details: dict[str, Any], container: Container
    ) -> ClassicVmwareItem:
        fabric = container.fabric
        cs = self.configs.get(fabric.name.lower()) or _config_server(fabric.name, {})
        os_type = str(details.get("osType") or (details.get("osDetails") or {}).get("osType") or "Windows")
        name = str(props.get("friendlyName"))
        host = _last(props.get("recoveryServicesProviderId")) or next(iter(fabric.providers), "")
        machine = self._machine(
            props,
            self._vmware_disks(details, name),
            os_type,
            host,
            str(details.get("targetVmId") or ""),
            details.get("ipAddress"),
        )
        beat = self.when(details.get("lastHeartbeat"))
        captured_at = self.when(self.capture.get("capturedAt")) or self.world.now()
        registered = beat is not None and (captured_at - beat) < timedelta(minutes=15)
        item = ClassicVmwareItem(
            self.world,
            container,
            resource["name"],
            machine,
            self._policy(props),
            host,
            self._state(props, []),
            config_server=cs,
            group=details.get("multiVmGroupName"),
            instance_type=str(details["instanceType"]),
            **self._agent_delay(registered),
        )
        _keep_vm_id(item, props)
        item.master_target_id = details.get("masterTargetId")
        item.process_server_id = details.get("processServerId")
        datastores = details.get("datastores") or []
        item.datastore_name = datastores[0] if datastores else None
        self._place(machine, props, self._present_onprem(container, props) or True)
        return item

    def modernized(
        self, resource: dict[str, Any], props: dict[str, Any], details: dict[str, Any], container: Container
    ) -> ModernizedVmwareItem:
        fabric = container.fabric
        appliance = self.appliances.get(fabric.name.lower()) or Appliance(fabric.name, fabric.friendly_name)
        name = str(props.get("friendlyName"))
        host = _last(props.get("recoveryServicesProviderId")) or next(iter(fabric.providers), "")
        machine = self._machine(
            props,
            self._vmware_disks(details, name),
            str(details.get("osType") or "Windows"),
            host,
            str(details.get("azureVirtualMachineId") or ""),
            details.get("primaryNicIpAddress"),
        )
        registered = bool(details.get("isAgentRegistrationSuccessfulAfterFailover"))
        item = ModernizedVmwareItem(
            self.world,
            container,
            resource["name"],
            machine,
            self._policy(props),
            host,
            self._state(props, []),
            appliance=appliance,
            group=details.get("multiVmGroupName"),
            instance_type=str(details["instanceType"]),
            **self._agent_delay(registered),
        )
        _keep_vm_id(item, props)
        if details.get("processServerId"):
            item.process_server_id = str(details["processServerId"])
        item.reprotect_agent_id = details.get("reprotectAgentId")
        item.datastore_name = details.get("targetDataStoreName")
        item.log_storage_account_id = details.get("logStorageAccountId")
        self._place(machine, props, True)
        return item

    # --- plans and jobs ---------------------------------------------------------------------------
    def plan(self, resource: dict[str, Any]) -> None:
        props = _props(resource)
        groups = []
        for group in props.get("groups") or []:
            if group.get("groupType") != "Boot":
                continue
            members = []
            for member in group.get("replicationProtectedItems") or []:
                item = self.world.items.get(_last(member.get("id")).lower())
                if item is not None:
                    if member.get("virtualMachineId") and not item.machine.azure_vm_id:
                        item.machine.azure_vm_id = str(
                            member["virtualMachineId"]
                        )  # not in every item's details
                    members.append(item)
            groups.append(members)
        fabric = self.world.fabrics.get(_last(props.get("primaryFabricId")).lower())
        if fabric is None:
            self.skipped.append({"plan": resource["name"], "reason": "its primary fabric was not captured"})
            return
        add_plan(self.world, resource["name"], props.get("friendlyName") or resource["name"], groups, fabric)

    def job(self, resource: dict[str, Any]) -> None:
        job = RecordedJob(self.world, resource, self.shift)
        self.world.jobs[job.name.lower()] = job


class RecordedJob(Job):
    """A job as the capture recorded it: served as it was (times moved with the clock), never progresses."""

    def __init__(self, world: World, resource: dict[str, Any], shift: timedelta) -> None:
        props = _props(resource)

        def moved(text: Any) -> datetime | None:
            if not text or str(text).startswith(("0001-", "1753-")):
                return None
            return parse_time(str(text)) + shift

        target = SimpleNamespace(
            name=str(props.get("targetObjectId") or ""),
            friendly_name=str(props.get("targetObjectName") or ""),
            target_instance_type=str(props.get("targetInstanceType") or ""),
            target_object_id=str(props.get("targetObjectId") or ""),
            protected_item_type="",
            fabric=None,
        )
        start = moved(props.get("startTime")) or world.now()
        super().__init__(
            world,
            str(props.get("scenarioName") or ""),
            str(props.get("friendlyName") or ""),
            [],
            target,
            start,
            str(resource.get("id") or ""),
            props.get("customDetails"),
        )
        self.name = str(resource["name"])
        self.state = str(props.get("state") or "Succeeded")
        self.state_description = str(props.get("stateDescription") or self.state)
        self.end_time = moved(props.get("endTime"))
        self.errors = list(props.get("errors") or [])
        self.recorded = resource
        self.shift = shift

    def advance(self, now: datetime) -> None:
        """A recorded job does not progress."""

    @property
    def active(self) -> bool:
        """Recorded jobs never run again (one still running when captured is shown as it was)."""
        return False

    def _moved(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._moved(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._moved(v) for v in value]
        if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
            try:
                when = parse_time(value)
            except ValueError:
                return value
            if value.startswith(("0001-", "1753-")):
                return value
            return iso(when + self.shift)
        return value

    def to_arm(self, now: datetime, with_tasks: bool = True) -> dict[str, Any]:
        """The recorded body, ids under this world's vault, times moved (``tasks`` empty in lists)."""
        body = self._moved(json.loads(json.dumps(self.recorded)))
        body["id"] = self.arm_id
        if not with_tasks:
            body.setdefault("properties", {})["tasks"] = []
        return dict(body)


def _keep_vm_id(item: ProtectedItem, props: dict[str, Any]) -> None:
    """The on-prem VM's id (protectable item name) as captured, so that presence checks match."""
    captured = _last(props.get("protectableItemId"))
    if captured:
        item.protectable_item_id = captured


def _config_server(fabric_name: str, details: dict[str, Any]) -> ConfigServer:
    """A classic configuration server from a ``VMware`` fabric's ``customDetails``."""
    return ConfigServer(
        fabric_name=fabric_name,
        friendly_name=str(details.get("hostName") or fabric_name),
        host_name=str(details.get("hostName") or fabric_name),
        ip_address=str(details.get("ipAddress") or ""),
        process_servers=[
            ProcessServer(
                str(p.get("id")),
                str(p.get("friendlyName") or p.get("id")),
                str(p.get("ipAddress") or ""),
                in_azure=False,
            )
            for p in details.get("processServers") or []
        ],
        master_targets=[
            MasterTarget(
                str(m.get("id")),
                str(m.get("name") or m.get("id")),
                str(m.get("osType") or "Windows"),
                str(m.get("ipAddress") or ""),
                base_disk_count=int(m.get("diskCount") or 1),
                retention_volumes=[
                    RetentionVolume(
                        str(v.get("volumeName")),
                        capacity_gb=int(int(v.get("capacityInBytes") or 0) / GIB) or 512,
                        free_gb=int(int(v.get("freeSpaceInBytes") or 0) / GIB) or 400,
                    )
                    for v in m.get("retentionVolumes") or []
                ],
                datastores=[
                    Datastore(
                        str(d.get("symbolicName")),
                        str(d.get("type") or "VMFS"),
                        capacity_gb=int(int(d.get("capacity") or 0) / GIB) or 2048,
                        free_gb=int(int(d.get("freeSpace") or 0) / GIB) or 1024,
                        uuid=str(d.get("uuid") or ""),
                    )
                    for d in m.get("dataStores") or []
                ],
            )
            for m in details.get("masterTargetServers") or []
        ],
        run_as_accounts=[
            RunAsAccount(str(a.get("accountId")), str(a.get("accountName") or a.get("accountId")))
            for a in details.get("runAsAccounts") or []
        ],
        discovery_account_id="",
    )


def _appliance(fabric: Fabric, details: dict[str, Any]) -> Appliance:
    """A modernized appliance from an ``InMageRcm`` fabric's ``customDetails``."""
    return Appliance(
        fabric_name=fabric.name,
        friendly_name=fabric.friendly_name,
        process_servers=[
            ProcessServer(
                str(p.get("id")),
                str(p.get("name") or p.get("id")),
                str((p.get("ipAddresses") or [""])[0]),
                in_azure=False,
            )
            for p in details.get("processServers") or []
        ],
        reprotect_agents=[
            ReprotectAgent(
                str(a.get("id")),
                str(a.get("name") or a.get("id")),
                str(a.get("vcenterId") or ""),
                [str(d) for d in a.get("accessibleDatastores") or []],
            )
            for a in details.get("reprotectAgents") or []
        ],
        run_as_accounts=[],
    )


def build_from_capture(world: World, capture: dict[str, Any]) -> None:
    """Seed ``world`` (empty, locked) from ``capture``; what could not be simulated is in ``extras``."""
    check(capture)
    _Seeder(world, capture).seed()
