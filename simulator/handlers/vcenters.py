"""The vCenters a classic configuration server discovered (``replicationvCenters``, read-only; seed 002).

Each vCenter names the run-as account it was discovered with. A vCenter discovered with a read-only
account carries a health error saying datastores could not be listed (seed 002, common issues) — the
product's pre-flight refuses that account (``V3-runas-datastores``). The default world has one vCenter,
``vcenter01``, discovered with the configuration server's discovery account; scenarios add more through
``world.extras["vmware_extra_vcenters"]`` (``[{name, friendlyName, ipAddress, runAsAccountId}]``).
"""

from __future__ import annotations

from typing import Any

from simulator.errors import not_found
from simulator.handlers.paging import page
from simulator.models.base import iso
from simulator.models.fabrics import Fabric
from simulator.models.vmware_infra import ConfigServer
from simulator.models.world import World
from simulator.routes import FABRIC, Request, Response, route

DEFAULT_VCENTER = {"name": "vcenter01", "friendlyName": "vcenter01.contoso.local", "ipAddress": "10.1.0.10"}


def _config_server(world: World, fabric: Fabric) -> ConfigServer | None:
    cs = world.extras.get("vmware_config_server")
    return cs if isinstance(cs, ConfigServer) and cs.fabric_name.lower() == fabric.name.lower() else None


def vcenters_of(world: World, fabric: Fabric) -> list[dict[str, Any]]:
    """``VCenter`` wire dicts of the fabric (empty for a fabric that is not a configuration server)."""
    cs = _config_server(world, fabric)
    if cs is None:
        return []
    first = world.extras.get("vmware_default_vcenter") or DEFAULT_VCENTER  # a capture names its own
    found = [{**first, "runAsAccountId": cs.discovery_account_id}]
    found += list(world.extras.get("vmware_extra_vcenters") or [])
    now = world.now()
    out = []
    for vc in found:
        account = cs.run_as_account(str(vc["runAsAccountId"]))
        errors = []
        if account is not None and account.read_only:
            errors.append(
                {
                    "errorCode": "78064",
                    "errorMessage": f"Datastores could not be listed on vCenter {vc['friendlyName']} "
                    f"with the account {account.account_name}.",
                    "possibleCauses": "The vCenter was discovered with a read-only account, which can't list "
                    "datastores.",
                    "recommendedAction": "Update the vCenter credentials on the configuration server with an "
                    "account that has the required permissions.",
                    "errorLevel": "Error",
                    "creationTimeUtc": iso(now),
                }
            )
        out.append(
            {
                "id": f"{fabric.arm_id}/replicationvCenters/{vc['name']}",
                "name": vc["name"],
                "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationvCenters",
                "properties": {
                    "friendlyName": vc["friendlyName"],
                    "internalId": vc["name"],
                    "lastHeartbeat": iso(now),
                    "discoveryStatus": "Completed",
                    "processServerId": cs.process_servers[0].id if cs.process_servers else None,
                    "ipAddress": vc["ipAddress"],
                    "infrastructureId": f"{cs.fabric_name}-{vc['name']}",
                    "port": "443",
                    "runAsAccountId": vc["runAsAccountId"],
                    "fabricArmResourceName": fabric.name,
                    "healthErrors": errors,
                },
            }
        )
    return out


@route("GET", FABRIC + r"/replicationvcenters", name="vcenters.list_by_fabric")
def list_vcenters(req: Request) -> Response:
    """GET replicationFabrics/{fabric}/replicationvCenters."""
    return page(req, vcenters_of(req.world, req.world.fabric(req.params["fabric"])))


@route("GET", FABRIC + r"/replicationvcenters/(?P<vcenter>[^/]+)", name="vcenters.get")
def get_vcenter(req: Request) -> Response:
    """GET one vCenter."""
    for vc in vcenters_of(req.world, req.world.fabric(req.params["fabric"])):
        if vc["name"].lower() == req.params["vcenter"].lower():
            return Response(200, vc)
    raise not_found("vCenter", req.params["vcenter"])
