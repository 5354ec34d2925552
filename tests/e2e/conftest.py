"""End-to-end fixtures: the app on the local host against the simulator, one shared VirtualClock.

Everything goes through HTTP like a user (contracts §1-2): ``POST /api/failbacks``,
``GET /api/failbacks/{id}``, the approval page, the cancel and verification routes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.failback_stack import FailbackStack

ASR_WRITES = (
    "write items.planned_failover",
    "write jobs.resume",
    "write items.failover_commit",
    "write items.reprotect",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tolerate the SDK's one-time ``df_loads`` warning (raised in whatever thread runs it)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:azure.functions df_loads was called"))


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[FailbackStack]:
    """A fresh simulated world and a fresh local host."""
    with FailbackStack(tmp_path) as running:
        yield running


def assert_clean(stack: FailbackStack, **writes: int) -> None:
    """No invariant violated, and each ASR operation issued exactly as often as expected (default once)."""
    assert stack.invariants() == []
    seen = stack.writes()
    for kind in ASR_WRITES:
        short = kind.split(".", 1)[1]
        assert seen.get(kind, 0) == writes.get(short, 1), (kind, seen)


def approve_and_finish(stack: FailbackStack, run_id: str, **kwargs: Any) -> dict[str, Any]:
    """Drive to the approval gate, approve through the page, drive to the end; the report."""
    stack.drive_to(run_id, awaiting="approval")
    response = stack.decide(run_id, "approved")
    assert response.status_code == 200, response.text
    return stack.finish(run_id, **kwargs)
