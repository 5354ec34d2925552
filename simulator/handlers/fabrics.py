"""Fabrics, recovery services providers, protection containers and policies (read-only)."""

from __future__ import annotations

from simulator.errors import not_found
from simulator.handlers.paging import page
from simulator.lro import accepted
from simulator.models.fabrics import Provider
from simulator.models.jobs import Task
from simulator.routes import CONTAINER, FABRIC, VAULT, Request, Response, route


@route("GET", VAULT + r"/replicationfabrics", name="fabrics.list")
def list_fabrics(req: Request) -> Response:
    """GET replicationFabrics."""
    now = req.world.now()
    return page(req, [f.to_arm(now) for f in req.world.fabrics.values()])


@route("GET", FABRIC, name="fabrics.get")
def get_fabric(req: Request) -> Response:
    """GET replicationFabrics/{fabric}."""
    return Response(200, req.world.fabric(req.params["fabric"]).to_arm(req.world.now()))


@route("GET", VAULT + r"/replicationrecoveryservicesproviders", name="providers.list")
def list_providers(req: Request) -> Response:
    """GET replicationRecoveryServicesProviders (vault-wide)."""
    now = req.world.now()
    return page(req, [p.to_arm(now) for f in req.world.fabrics.values() for p in f.providers.values()])


@route("GET", FABRIC + r"/replicationrecoveryservicesproviders", name="providers.list_by_fabric")
def list_fabric_providers(req: Request) -> Response:
    """GET replicationFabrics/{fabric}/replicationRecoveryServicesProviders."""
    now = req.world.now()
    return page(req, [p.to_arm(now) for p in req.world.fabric(req.params["fabric"]).providers.values()])


def _provider(req: Request) -> Provider:
    fabric = req.world.fabric(req.params["fabric"])
    provider = fabric.providers.get(req.params["provider"].lower())
    if provider is None:
        raise not_found("recovery services provider", req.params["provider"])
    return provider


@route("GET", FABRIC + r"/replicationrecoveryservicesproviders/(?P<provider>[^/]+)", name="providers.get")
def get_provider(req: Request) -> Response:
    """GET a provider (connection status, last heartbeat)."""
    return Response(200, _provider(req).to_arm(req.world.now()))


@route(
    "POST",
    FABRIC + r"/replicationrecoveryservicesproviders/(?P<provider>[^/]+)/refreshprovider",
    name="providers.refresh",
)
def refresh_provider(req: Request) -> Response:
    """POST refreshProvider: a short job; the result is the provider."""
    provider = _provider(req)
    for hook in req.world.extras.get("on_refresh_provider") or []:  # scenarios: what a refresh re-reads
        hook(provider, req.world.now())
    job = req.world.start_job(
        "RefreshProvider",
        "Refresh server",
        [Task("RefreshProviderTask", "Refresh server", 30.0)],
        provider,
        provider.arm_id,
    )
    return accepted(req, job, provider.arm_id)


@route("GET", VAULT + r"/replicationprotectioncontainers", name="containers.list")
def list_containers(req: Request) -> Response:
    """GET replicationProtectionContainers (vault-wide)."""
    now = req.world.now()
    return page(req, [c.to_arm(now) for f in req.world.fabrics.values() for c in f.containers.values()])


@route("GET", FABRIC + r"/replicationprotectioncontainers", name="containers.list_by_fabric")
def list_fabric_containers(req: Request) -> Response:
    """GET replicationFabrics/{fabric}/replicationProtectionContainers."""
    now = req.world.now()
    return page(req, [c.to_arm(now) for c in req.world.fabric(req.params["fabric"]).containers.values()])


@route("GET", CONTAINER, name="containers.get")
def get_container(req: Request) -> Response:
    """GET a protection container."""
    container = req.world.container(req.params["fabric"], req.params["container"])
    return Response(200, container.to_arm(req.world.now()))


@route("GET", VAULT + r"/replicationpolicies", name="policies.list")
def list_policies(req: Request) -> Response:
    """GET replicationPolicies."""
    now = req.world.now()
    return page(req, [p.to_arm(now) for p in req.world.policies.values()])


@route("GET", VAULT + r"/replicationpolicies/(?P<policy>[^/]+)", name="policies.get")
def get_policy(req: Request) -> Response:
    """GET a replication policy."""
    policy = req.world.policies.get(req.params["policy"].lower())
    if policy is None:
        raise not_found("replication policy", req.params["policy"])
    return Response(200, policy.to_arm(req.world.now()))
