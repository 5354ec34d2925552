"""Fixtures for the devhost tests: an in-process host on a virtual clock (contracts §2)."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.devhost.conformance.harness import APPS, Harness

VIRTUAL_START = datetime(2026, 1, 1, tzinfo=UTC)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tolerate SDK warnings that apps trigger, in whatever thread runs them.

    ``df_loads`` warns once per process when called without ``expected_type`` and each
    time it rebuilds a custom class in loose mode; replay warns "Potential duplicate Task
    completion" for every event nobody waits for yet (early events, case-mismatched
    names). All normal Durable behaviour in production, not bugs.
    """
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:azure.functions df_loads was called"))
            item.add_marker(pytest.mark.filterwarnings("ignore:Potential duplicate Task completion"))
            item.add_marker(
                pytest.mark.filterwarnings("ignore:azure.functions Durable JSON codec reconstructed")
            )


@pytest.fixture
def virtual_clock() -> Any:
    """A VirtualClock standing at 2026-01-01T00:00Z."""
    from devhost.clock import VirtualClock

    return VirtualClock(start=VIRTUAL_START)


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    """Where apps append their side effects (app setting CONFORMANCE_LOG_DIR)."""
    path = tmp_path / "effects"
    path.mkdir()
    return path


@pytest.fixture
def run_app(virtual_clock: Any, log_dir: Path, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    """Start a conformance app by directory name; stops every host at teardown."""
    from devhost.testing import DevHost

    stack = ExitStack()

    def start(name: str, app_dir: Path | None = None, **settings: str) -> Harness:
        env = {"CONFORMANCE_LOG_DIR": str(log_dir), **settings}
        host = stack.enter_context(
            DevHost(app_dir=app_dir or APPS / name, clock=virtual_clock, env=env, state_dir=tmp_path / name)
        )
        harness = Harness(host, virtual_clock, log_dir)
        stack.callback(harness.close)
        return harness

    with stack:
        yield start
