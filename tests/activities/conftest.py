"""Activity tests run the activity bodies against the in-process simulator through the real SDKs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clients import asr, logs
from clients.settings import Settings
from simulator.clock import ManualClock
from simulator.testing import SimulatorServer

START = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


@dataclass
class Env:
    """One fresh simulated world and the settings that point the app at it."""

    sim: SimulatorServer
    clock: ManualClock
    settings: Settings

    @property
    def vault(self) -> dict[str, str]:
        return {
            "subscriptionId": self.sim.info["subscription_id"],
            "resourceGroup": "rg-dr",
            "name": "vault-dr",
        }

    def payload(self, **fields: Any) -> dict[str, Any]:
        """An activity input with the vault and the simulator's current time."""
        return {"vault": self.vault, "now": self.clock.now().isoformat(), **fields}

    def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    def job_state(self, name: str) -> dict[str, Any]:
        return next(j for j in self.sim.control.state()["jobs"] if j["name"] == name)

    def jobs(self) -> list[dict[str, Any]]:
        return list(self.sim.control.state()["jobs"])

    def advance_until(self, done: Callable[[], bool], step: float = 60, limit: float = 3 * 86400) -> None:
        """Jump simulated time in steps until ``done()``; fail after ``limit`` simulated seconds."""
        moved = 0.0
        while not done():
            assert moved < limit, "simulated job did not reach the expected state"
            self.advance(step)
            moved += step


@pytest.fixture(scope="package")
def server() -> Iterator[tuple[SimulatorServer, ManualClock]]:
    clock = ManualClock(START)
    with SimulatorServer(scenario="default", clock=clock) as sim:
        yield sim, clock
    asr.clear_cache()
    logs.clear_cache()


@pytest.fixture
def env(server: tuple[SimulatorServer, ManualClock]) -> Env:
    sim, clock = server
    sim.control.clear_faults()
    sim.control.reset("default")
    return Env(sim, clock, Settings.from_env(sim.app_settings()))
