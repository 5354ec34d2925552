"""Control API under ``/_sim/`` (no auth): reset, state, time, faults, logs, requests, invariants."""

from __future__ import annotations

from datetime import timedelta

from simulator import profiles
from simulator.errors import bad_request
from simulator.models import invariants
from simulator.models.base import iso
from simulator.routes import Request, Response, route


@route("GET", r"/_sim/info", kind="control")
def info(req: Request) -> Response:
    """The same dict ``python -m simulator start`` prints."""
    world = req.world
    return Response(
        200,
        {
            "arm_endpoint": req.base_url,
            "logs_endpoint": req.base_url,
            "subscription_id": world.subscription_id,
            "resource_group": world.resource_group,
            "vault": world.vault,
            "workspace_id": world.workspace_id,
            "scenario": world.scenario,
            "now": iso(world.now()),
        },
    )


@route("POST", r"/_sim/reset", kind="control")
def reset(req: Request) -> Response:
    """Seed a fresh world: ``{"scenario": "default", "profile": "recorded"}`` (profile optional)."""
    body = req.json_object()
    scenario = str(body.get("scenario") or "default")
    profile = body.get("profile")
    from simulator.scenarios import SCENARIOS

    if scenario not in SCENARIOS:
        raise bad_request(f"Unknown scenario '{scenario}'. Known: {', '.join(sorted(SCENARIOS))}.")
    if profile is not None and str(profile) not in profiles.PROFILES:
        raise bad_request(f"Unknown profile '{profile}'. Known: {', '.join(profiles.PROFILES)}.")
    world = req.app.reset(scenario, None if profile is None else str(profile))
    return Response(200, {"scenario": world.scenario, "profile": world.profile.name, "now": iso(world.now())})


@route("GET", r"/_sim/profiles", kind="control")
def list_profiles(req: Request) -> Response:
    """Every profile (variants of the unrecorded behaviours) and the one in use."""
    return Response(
        200, {"current": req.app.profile.name, "profiles": [p.to_dict() for p in profiles.PROFILES.values()]}
    )


@route("GET", r"/_sim/scenarios", kind="control")
def scenarios(req: Request) -> Response:
    """Named scenarios and what they hold."""
    from simulator.scenarios import SCENARIOS

    return Response(
        200, {"scenarios": [{"name": n, "description": s.description} for n, s in SCENARIOS.items()]}
    )


@route("GET", r"/_sim/state", kind="control")
def state(req: Request) -> Response:
    """The whole world."""
    snapshot = req.world.snapshot()
    snapshot["faults"] = req.world.faults.to_dict()
    return Response(200, snapshot)


@route("POST", r"/_sim/time", kind="control")
def time(req: Request) -> Response:
    """``{"advance_seconds": n}`` jumps the clock; ``{"scale": x}`` changes a scaled clock's speed."""
    body = req.json_object()
    clock = req.app.clock
    if "advance_seconds" in body:
        advance = getattr(clock, "advance", None)
        if advance is None:
            raise bad_request("This clock cannot be advanced.")
        advance(timedelta(seconds=float(body["advance_seconds"])))
    if "scale" in body:
        set_scale = getattr(clock, "set_scale", None)
        if set_scale is None:
            raise bad_request("This clock has no scale (it is driven by its owner).")
        set_scale(float(body["scale"]))
    req.world.tick()
    return Response(200, {"now": iso(req.world.now())})


@route("POST", r"/_sim/faults", kind="control")
def add_fault(req: Request) -> Response:
    """Inject a fault (see ``simulator.faults``)."""
    return Response(201, req.world.faults.add(req.world, req.json_object()))


@route("GET", r"/_sim/faults", kind="control")
def list_faults(req: Request) -> Response:
    """Faults in force."""
    return Response(200, req.world.faults.to_dict())


@route("DELETE", r"/_sim/faults", kind="control")
def clear_faults(req: Request) -> Response:
    """Remove every fault."""
    req.world.faults.clear()
    return Response(200, {"cleared": True})


@route("POST", r"/_sim/logs", kind="control")
def register_logs(req: Request) -> Response:
    """Register a Log Analytics answer for a query: a table, a partial result or a failure."""
    body = req.json_object()
    if not body.get("query"):
        raise bad_request("'query' is required.")
    return Response(201, req.world.logs.register(body))


@route("GET", r"/_sim/requests", kind="control")
def request_counts(req: Request) -> Response:
    """ARM/Logs requests served since the last reset, by path kind, split into reads and writes."""
    counts = dict(req.app.counts)
    reads = sum(v for k, v in counts.items() if k.startswith("read "))
    writes = sum(v for k, v in counts.items() if k.startswith("write "))
    return Response(200, {"reads": reads, "writes": writes, "total": reads + writes, "byKind": counts})


@route("DELETE", r"/_sim/requests", kind="control")
def clear_request_counts(req: Request) -> Response:
    """Zero the request counters."""
    req.app.counts.clear()
    return Response(200, {"cleared": True})


@route("GET", r"/_sim/invariants", kind="control")
def get_invariants(req: Request) -> Response:
    """``{"violations": [...]}``: empty when the world was used correctly."""
    return Response(200, {"violations": list(req.world.violations)})


@route("POST", r"/_sim/hosts/(?P<host>[^/]+)", kind="control")
def set_host(req: Request) -> Response:
    """``{"connected": bool}``: connect or disconnect an on-prem host / VMM / config server now."""
    provider = req.world.provider_by_name(req.params["host"])
    connected = bool(req.json_object().get("connected", True))
    provider.connected = connected
    provider.disconnect_at = None
    provider.disconnected_since = None if connected else req.world.now()
    return Response(200, provider.to_arm(req.world.now()))


@route("POST", r"/_sim/vms/(?P<vm>[^/]+)", kind="control")
def set_vm(req: Request) -> Response:
    """Act like an operator on a VM.

    Body: ``{"azure": "running"|"stopped", "onprem": "running"|"off"|"corrupt"|"absent"}``.
    """
    world = req.world
    machine = world.machines.get(req.params["vm"].lower())
    if machine is None:
        raise bad_request(f"Unknown VM '{req.params['vm']}'.")
    body = req.json_object()
    now = world.now()
    azure = body.get("azure")
    if azure == "running":
        invariants.start_azure(world, machine, now)
    elif azure == "stopped":
        machine.stop_azure(now)
    elif azure is not None:
        raise bad_request("'azure' must be 'running' or 'stopped'.")
    onprem = body.get("onprem")
    if onprem == "running":
        invariants.start_onprem(world, machine, now, after_failback=False)
    elif onprem in ("off", "corrupt", "absent"):
        machine.stop_onprem(now, new_state=onprem)
    elif onprem is not None:
        raise bad_request("'onprem' must be 'running', 'off', 'corrupt' or 'absent'.")
    return Response(200, machine.snapshot(now))


@route("POST", r"/_sim/settings", kind="control")
def settings(req: Request) -> Response:
    """``{"page_size", "poll_retry_after", "initial_retry_after", "rates": {...}}``."""
    body = req.json_object()
    app = req.app
    if "page_size" in body:
        app.page_size = req.world.page_size = max(1, int(body["page_size"]))
    if "poll_retry_after" in body:
        app.settings.poll_retry_after = max(0, int(body["poll_retry_after"]))
    if "initial_retry_after" in body:
        app.settings.initial_retry_after = max(1, int(body["initial_retry_after"]))
    for name, value in (body.get("rates") or {}).items():
        if not hasattr(req.world.rates, name):
            raise bad_request(f"Unknown rate '{name}'.")
        setattr(req.world.rates, name, float(value))
    return Response(
        200,
        {
            "page_size": app.page_size,
            "poll_retry_after": app.settings.poll_retry_after,
            "initial_retry_after": app.settings.initial_retry_after,
            "rates": dict(req.world.rates.__dict__),
        },
    )
