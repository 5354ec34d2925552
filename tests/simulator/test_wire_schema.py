"""Every simulator answer the product reads validates against the 2025-08-01 schema (issue 10, part 3).

The SDK deserializes leniently, so a wrong wire shape (an int where the service sends a string, a
field the service does not have, an unknown ``instanceType``) would pass every SDK-driven test
and still differ from Azure. ``sdk_schema`` holds the simulator's bodies against the schema the
SDK was generated from; these tests capture every ARM answer of a read sweep and of a whole
Hyper-V failback (failback, resume, commit, reprotect, with their job and item reads).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from azure.mgmt.recoveryservicessiterecovery import models as m

from simulator.routes import resolve
from tests.simulator.conftest import RG, VAULT, WEB01, Sim
from tests.simulator.sdk_schema import problems

# route name → (model of one resource, whether the answer is a {value, nextLink} page of them)
MODELS: dict[str, tuple[type, bool]] = {
    "items.get": (m.ReplicationProtectedItem, False),
    "items.list": (m.ReplicationProtectedItem, True),
    "items.list_by_container": (m.ReplicationProtectedItem, True),
    "jobs.get": (m.Job, False),
    "jobs.list": (m.Job, True),
    "plans.get": (m.RecoveryPlan, False),
    "plans.list": (m.RecoveryPlan, True),
    "fabrics.get": (m.Fabric, False),
    "fabrics.list": (m.Fabric, True),
    "containers.get": (m.ProtectionContainer, False),
    "containers.list": (m.ProtectionContainer, True),
    "containers.list_by_fabric": (m.ProtectionContainer, True),
    "providers.get": (m.RecoveryServicesProvider, False),
    "providers.list": (m.RecoveryServicesProvider, True),
    "providers.list_by_fabric": (m.RecoveryServicesProvider, True),
    "policies.get": (m.Policy, False),
    "policies.list": (m.Policy, True),
    "protectable_items.list": (m.ProtectableItem, True),
    "items.recovery_points": (m.RecoveryPoint, True),
    "items.recovery_point": (m.RecoveryPoint, False),
}


# Where the real service was recorded departing from the schema, the recording wins (RECORDED.md).
RECORDED_DEPARTURES = {
    "R54": "customDetails.instanceType: 'TaskDetails' is not a known TaskTypeDetails type",
}


@pytest.fixture
def answers(sim: Sim) -> Iterator[list[tuple[str, str, Any]]]:
    """(route, path, JSON body) of every successful ARM answer while the test runs."""
    seen: list[tuple[str, str, Any]] = []
    app = sim.server.app
    dispatch = app._dispatch

    def recording(method: str, path: str, *args: Any) -> Any:
        response = dispatch(method, path, *args)
        entry = resolve(method, path)[0]
        if entry is not None and 200 <= response.status < 300 and response.body:
            body = response.body if not isinstance(response.body, bytes) else json.loads(response.body)
            seen.append((entry.name, path, body))
        return response

    app._dispatch = recording  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del app._dispatch


def _violations(answers: list[tuple[str, str, Any]]) -> list[str]:
    found: list[str] = []
    for route, path, body in answers:
        if route not in MODELS:
            continue
        model, paged = MODELS[route]
        if paged:
            extra = set(body) - {"value", "nextLink"}
            found += [f"{route} {path}: unexpected page field {key!r}" for key in sorted(extra)]
            for index, element in enumerate(body.get("value", [])):
                found += [f"{route} {path}: {p}" for p in problems(element, model, f"$.value[{index}]")]
        else:
            found += [f"{route} {path}: {p}" for p in problems(body, model)]
    return [f for f in found if not any(d in f for d in RECORDED_DEPARTURES.values())]


def _checked_routes(answers: list[tuple[str, str, Any]]) -> set[str]:
    return {route for route, _, _ in answers if route in MODELS}


def test_the_read_surface_of_the_default_world_conforms(
    sim: Sim, answers: list[tuple[str, str, Any]]
) -> None:
    fabrics = list(sim.asr.replication_fabrics.list(RG, VAULT))
    list(sim.asr.replication_recovery_services_providers.list(RG, VAULT))
    for fabric in fabrics:
        sim.asr.replication_fabrics.get(RG, VAULT, fabric.name)
        for container in sim.asr.replication_protection_containers.list_by_replication_fabrics(
            RG, VAULT, fabric.name
        ):
            list(
                sim.asr.replication_protectable_items.list_by_replication_protection_containers(
                    RG, VAULT, fabric.name, container.name
                )
            )
    for item in sim.asr.replication_protected_items.list(RG, VAULT):
        fabric, container = item.id.split("/replicationFabrics/")[1].split("/")[0::2][:2]
        sim.asr.replication_protected_items.get(RG, VAULT, fabric, container, item.name)
    for plan in sim.asr.replication_recovery_plans.list(RG, VAULT):
        sim.asr.replication_recovery_plans.get(RG, VAULT, plan.name)
    list(sim.asr.replication_policies.list(RG, VAULT))
    list(sim.asr.replication_jobs.list(RG, VAULT))
    assert {"fabrics.list", "providers.list", "items.list", "items.get", "policies.list"} <= _checked_routes(
        answers
    )
    assert _violations(answers) == []


def test_a_whole_hyperv_failback_answers_as_the_schema_says(
    sim: Sim, answers: list[tuple[str, str, Any]]
) -> None:
    failback = sim.failback(WEB01, "ForDownTime")
    job_name = sim.job_id_of(WEB01)
    sim.advance(3600)
    sim.job(job_name)
    resumed = sim.resume(job_name)
    sim.advance(3600)
    resumed.result()
    failback.result()
    sim.item(WEB01)
    committed = sim.commit(WEB01)
    sim.advance(600)
    committed.result()
    sim.item(WEB01)
    reprotected = sim.reprotect(WEB01)
    sim.advance(7200)
    reprotected.result()
    sim.item(WEB01)
    for job in sim.asr.replication_jobs.list(RG, VAULT):
        sim.job(job.name)
    assert {"items.get", "jobs.get", "jobs.list"} <= _checked_routes(answers)
    assert _violations(answers) == []
