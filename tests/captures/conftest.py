"""Fixtures of the capture tests: the rehearsals run the local host, which warns once about ``df_loads``."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tolerate the SDK's one-time ``df_loads`` warning (raised in whatever thread runs it)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:azure.functions df_loads was called"))
