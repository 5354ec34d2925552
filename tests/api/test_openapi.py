"""The OpenAPI document matches the registered routes, and a schemathesis run against the
app on DevHost (+ simulator) finds no 5xx and only problem+json 4xx (W3)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis.errors import Unsatisfiable

from function_app.openapi import openapi_document
from tests.approvals.conftest import ROOT, app_env

_UNROUTABLE = re.compile(r"[\x00-\x1f\x7f/\\?#%]")
#: Examples per operation and generation mode: bounded so the run stays well under a minute.
EXAMPLES = 12


pytestmark = [
    pytest.mark.filterwarnings("ignore:azure.functions df_loads was called"),
    pytest.mark.filterwarnings("ignore:Potential duplicate Task completion"),
]


def registered_routes() -> set[tuple[str, str]]:
    from devhost.loader import index_functions
    from function_app import app

    # The SDK indexes an app only once per process; the host's cached index is the shared way.
    routes = set()
    for entry in index_functions(app).http:
        for method in entry.trigger.methods or []:
            routes.add((f"/api/{entry.trigger.route}", str(getattr(method, "value", method)).upper()))
    return routes


def documented_routes() -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, ops in openapi_document()["paths"].items() for method in ops}


def test_every_route_is_documented_and_every_documented_route_exists_W3() -> None:
    assert documented_routes() == registered_routes()


def test_document_is_valid_openapi_3_W3() -> None:
    from schemathesis.openapi import from_dict

    schema = from_dict(openapi_document())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(documented_routes())


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Any]:
    from clients.settings import get_settings
    from devhost.clock import VirtualClock
    from devhost.testing import DevHost
    from simulator.testing import SimulatorServer

    clock = VirtualClock(start=datetime.now(UTC).replace(microsecond=0))
    get_settings.cache_clear()
    with SimulatorServer(scenario="default", clock=clock, state_dir=tmp_path / "sim") as sim:
        env = {**sim.app_settings(), **app_env(tmp_path)}
        with DevHost(app_dir=ROOT, clock=clock, env=env, state_dir=tmp_path / "state") as host:
            get_settings.cache_clear()
            yield host
    get_settings.cache_clear()


def test_app_serves_the_document_W3(served: Any) -> None:
    r = requests.get(f"{served.base_url}/api/openapi.json", timeout=10)
    assert r.status_code == 200 and r.json() == json.loads(json.dumps(openapi_document()))


def fuzz(
    operation: Any, mode: Any, base_url: str, headers: dict[str, str], seen: Counter[str], failures: list[str]
) -> None:
    """Run one operation in one generation mode for ``EXAMPLES`` cases, recording what came back."""
    documented = set(operation.definition.raw.get("responses", {}))
    name = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        # Our code is under test, not the host's key check: always send the real key.
        for auth in ("x-functions-key", "X-Functions-Key"):
            (case.headers or {}).pop(auth, None)
        (case.query or {}).pop("code", None)
        # Control characters and "/" in a path segment never reach a function: the host's
        # router answers those itself (plain 404), so they say nothing about our code.
        assume(not any(_UNROUTABLE.search(str(v)) for v in (case.path_parameters or {}).values()))
        response = case.call(base_url=base_url, headers=headers, timeout=15)
        status = response.status_code
        ctype = response.headers.get("content-type") or response.headers.get("Content-Type") or ""
        ctype = ctype[0] if isinstance(ctype, list) else ctype
        seen[f"{name} {status}"] += 1
        seen["cases"] += 1
        where = f"{operation.method.upper()} {case.formatted_path[:120]} -> {status}"
        if status >= 500:
            failures.append(f"{where}: {response.text[:300]}")
        elif status >= 400 and not ctype.startswith("application/problem+json"):
            failures.append(f"{where}: content-type {ctype}")
        elif str(status) not in documented:
            failures.append(f"{where}: status not documented")

    try:
        run()
    except Unsatisfiable:
        # Nothing to break (no parameters or body): negative generation has no cases.
        seen[f"{name} no negative cases"] += 1


def test_schemathesis_finds_no_5xx_and_only_problem_json_4xx_W3(served: Any) -> None:
    from schemathesis import GenerationMode
    from schemathesis.openapi import from_dict

    schema = from_dict(openapi_document())
    headers = {"x-functions-key": served.function_key, "Accept": "application/json"}
    seen: Counter[str] = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(result.ok(), mode, served.base_url, headers, seen, failures)
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(seen.items()) if k != "cases")
    print(f"\n[schemathesis] {seen['cases']} cases; {summary}")
    assert not failures, "\n".join(sorted(set(failures))[:30])
