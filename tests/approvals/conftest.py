"""Fixtures: the real app on the local host (DevHost) with a virtual clock near real time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIGNING_KEY = "approvals-test-signing-key-0123456789"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tolerate the SDK's own warnings (see tests/devhost/conftest.py for why)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:azure.functions df_loads was called"))
            item.add_marker(pytest.mark.filterwarnings("ignore:Potential duplicate Task completion"))


def app_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """App settings for a local run: local mode, outbox in tmp, a known signing key."""
    return {
        "FAILBACK_LOCAL_MODE": "true",
        "FAILBACK_OUTBOX_PATH": str(tmp_path / "outbox.sqlite"),
        "APPROVAL_SIGNING_KEY": SIGNING_KEY,
        "FAILBACK_PUBLIC_BASE_URL": "https://failback.example.net",
        **extra,
    }


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Any]:
    """The app on DevHost; settings re-read for this host's environment."""
    from clients.settings import get_settings
    from devhost.clock import VirtualClock
    from devhost.testing import DevHost

    # Start at (truncated) real time: links are checked against the wall clock too.
    clock = VirtualClock(start=datetime.now(UTC).replace(microsecond=0))
    get_settings.cache_clear()
    with DevHost(app_dir=ROOT, clock=clock, env=app_env(tmp_path), state_dir=tmp_path / "state") as running:
        get_settings.cache_clear()
        yield running
    get_settings.cache_clear()
