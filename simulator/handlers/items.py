"""Replication protected items: list, get, failover, commit, cancel, re-protect, recovery points."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from simulator.errors import not_found
from simulator.handlers.paging import page
from simulator.lro import accepted
from simulator.models.base import iso
from simulator.models.fabrics import Container
from simulator.models.items import ProtectedItem
from simulator.models.jobs import Job
from simulator.routes import CONTAINER, RPI, VAULT, Request, Response, route

_PLAN_FILTER = re.compile(r"recoveryplanname\s+eq\s+'([^']*)'", re.IGNORECASE)


@route("GET", VAULT + r"/replicationprotecteditems", name="items.list")
def list_items(req: Request) -> Response:
    """GET replicationProtectedItems (vault-wide; ``$filter=RecoveryPlanName eq '<plan>'``)."""
    now = req.world.now()
    items = list(req.world.items.values())
    plan = _PLAN_FILTER.search(req.query.get("$filter", ""))
    if plan:
        items = [i for i in items if (i.recovery_plan or "").lower() == plan.group(1).lower()]
    return page(req, [i.to_arm(now) for i in items])


@route("GET", CONTAINER + r"/replicationprotecteditems", name="items.list_by_container")
def list_container_items(req: Request) -> Response:
    """GET the items of one container."""
    now = req.world.now()
    return page(req, [i.to_arm(now) for i in _container(req).items()])


def _container(req: Request) -> Container:
    return req.world.container(req.params["fabric"], req.params["container"])


def _item(req: Request) -> ProtectedItem:
    return req.world.item(req.params["fabric"], req.params["container"], req.params["item"])


@route("GET", RPI, name="items.get")
def get_item(req: Request) -> Response:
    """GET one protected item."""
    return Response(200, _item(req).to_arm(req.world.now()))


def _start(req: Request, operation: Callable[[ProtectedItem], Job]) -> Response:
    """Run ``operation`` on the item of the path; the LRO answer follows the item.

    R15: the operation id is the job's name; G4 ``item_lro_id=differs``: an id of its own.
    """
    item = _item(req)
    return accepted(req, operation(item), item.arm_id, own_id=req.world.profile.item_lro_id == "differs")


@route("POST", RPI + r"/plannedfailover", name="items.planned_failover")
def planned_failover(req: Request) -> Response:
    """POST plannedFailover (failback of Hyper-V: direction RecoveryToPrimary)."""
    return _start(req, lambda item: item.planned_failover(req.json_object()))


@route("POST", RPI + r"/unplannedfailover", name="items.unplanned_failover")
def unplanned_failover(req: Request) -> Response:
    """POST unplannedFailover."""
    return _start(req, lambda item: item.unplanned_failover(req.json_object()))


@route("POST", RPI + r"/failovercommit", name="items.failover_commit")
def failover_commit(req: Request) -> Response:
    """POST failoverCommit (no body)."""
    return _start(req, lambda item: item.failover_commit())


@route("POST", RPI + r"/failovercancel", name="items.failover_cancel")
def failover_cancel(req: Request) -> Response:
    """POST failoverCancel (no body)."""
    return _start(req, lambda item: item.failover_cancel())


@route("POST", RPI + r"/reprotect", name="items.reprotect")
def reprotect(req: Request) -> Response:
    """POST reProtect."""
    return _start(req, lambda item: item.reprotect(req.json_object()))


def _recovery_point(req: Request) -> dict[str, Any]:
    item = _item(req)
    when = item.last_failover_time or req.world.now()
    name = "latest"
    return {
        "id": f"{item.arm_id}/recoveryPoints/{name}",
        "name": name,
        "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/"
        "replicationProtectedItems/recoveryPoints",
        "properties": {
            "recoveryPointTime": iso(when),
            "recoveryPointType": "Latest",
            "providerSpecificDetails": {"instanceType": item.instance_type},
        },
    }


@route("GET", RPI + r"/recoverypoints", name="items.recovery_points")
def list_recovery_points(req: Request) -> Response:
    """GET recoveryPoints (one: the latest processed point)."""
    return page(req, [_recovery_point(req)])


@route("GET", RPI + r"/recoverypoints/(?P<point>[^/]+)", name="items.recovery_point")
def get_recovery_point(req: Request) -> Response:
    """GET one recovery point."""
    point = _recovery_point(req)
    if req.params["point"].lower() != point["name"]:
        raise not_found("recovery point", req.params["point"])
    return Response(200, point)


def _protectable_details(item: ProtectedItem) -> dict[str, Any]:
    """``customDetails`` of a protectable item, in the schema's shape for the VM's kind.

    Hyper-V VMs are ``HyperVVirtualMachine`` (R12: ``sourceItemId`` is the VM id); VMware VMs and
    physical servers are ``VMwareVirtualMachine``. Checked against the 2025-08-01 schema by
    tests/simulator/test_wire_schema.py.
    """
    machine = item.machine
    if item.instance_type.startswith("HyperV"):
        return {
            "instanceType": "HyperVVirtualMachine",
            "sourceItemId": item.protectable_item_id,
            "generation": "2",
            "osDetails": {"osType": machine.os_type},
            "diskDetails": [
                {"maxSizeMB": d.size_gb * 1024, "vhdType": "VHDX", "vhdId": d.name, "vhdName": d.name}
                for d in machine.disks
            ],
            "hyperVHostId": machine.onprem_host,
        }
    return {
        "instanceType": "VMwareVirtualMachine",
        "agentGeneratedId": item.protectable_item_id,
        "agentInstalled": "true",
        "osType": machine.os_type,
        "poweredOn": "false" if machine.onprem_state != "running" else "true",
        "discoveryType": "vCenter",
        "diskDetails": [
            {"diskId": d.name, "diskName": d.name, "diskSizeInMB": str(d.size_gb * 1024), "diskType": "Basic"}
            for d in machine.disks
        ],
    }


def _protectable(req: Request, item: ProtectedItem) -> dict[str, Any]:
    machine = item.machine
    return {
        "id": f"{item.container.arm_id}/replicationProtectableItems/{item.protectable_item_id}",
        "name": item.protectable_item_id,
        "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/"
        "replicationProtectableItems",
        "location": None,
        "properties": {
            "friendlyName": machine.name,
            "protectionStatus": "Protected",
            "replicationProtectedItemId": item.arm_id,
            "recoveryServicesProviderId": provider.arm_id if (provider := item.provider()) else None,
            "protectionReadinessErrors": [],
            "supportedReplicationProviders": [item.instance_type],
            "customDetails": _protectable_details(item),
        },
    }


@route("GET", CONTAINER + r"/replicationprotectableitems", name="protectable_items.list")
def list_protectable_items(req: Request) -> Response:
    """GET the VMs the on-prem server reports in a container (VMs deleted on-prem are absent)."""
    present = [i for i in _container(req).items() if i.machine.onprem_state != "absent"]
    return page(req, [_protectable(req, i) for i in present])


@route(
    "GET", CONTAINER + r"/replicationprotectableitems/(?P<protectable>[^/]+)", name="protectable_items.get"
)
def get_protectable_item(req: Request) -> Response:
    """GET one protectable item (404 when the on-prem VM is gone)."""
    for item in _container(req).items():
        if item.protectable_item_id.lower() == req.params["protectable"].lower() and (
            item.machine.onprem_state != "absent"
        ):
            return Response(200, _protectable(req, item))
    raise not_found("protectable item", req.params["protectable"])
