"""Replay tests run the SDK in-process; it warns once per process about ``df_loads``.

Only that warning is tolerated. "Potential duplicate Task completion" (an event
nobody waits for, durable-python #507) stays an error here: the orchestrator keeps a
waiter open for every event it can receive, and these tests prove it.
"""

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ignore the SDK's one-time ``df_loads`` warning in this directory's tests."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:azure.functions df_loads was called"))
