"""Fixtures: one HTTPS simulator per test module, reset to a fresh world before each test.

The clock is a ``ManualClock`` so tests move simulated time explicitly (``advance``); the
real SDK clients (``asr``, ``logs``) talk to the server over TLS.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from azure.mgmt.recoveryservicessiterecovery import models as m

from simulator.clock import ManualClock
from simulator.testing import SimulatorServer

RG = "rg-dr"
VAULT = "vault-dr"
WORKSPACE = "11111111-2222-3333-4444-555555555555"
# (fabric, container, item) of the default scenario (simulator/README.md)
APP01 = ("vmm-contoso", "cloud-prod", "rpi-app01")
WEB01 = ("site-hq", "hq-container", "rpi-web01")
LEGACY01 = ("site-hq", "hq-container", "rpi-legacy01")
DB01 = ("site-hq", "hq-container", "rpi-db01")
FILE01 = ("vmm-contoso", "cloud-prod", "rpi-file01")
OLD01 = ("site-hq", "hq-container", "rpi-old01")
LIN01 = ("site-hq", "hq-container", "rpi-lin01")


class Sim:
    """The running simulator plus the clock and SDK clients tests use."""

    def __init__(self, server: SimulatorServer, clock: ManualClock) -> None:
        self.server = server
        self.clock = clock
        self.control = server.control
        self.asr = server.mgmt_client()
        self.logs = server.logs_client()
        self.pollers: list[Any] = []

    def track(self, poller: Any) -> Any:
        """Remember an LRO poller so teardown can let its polling thread end before closing clients."""
        self.pollers.append(poller)
        return poller

    def close(self) -> None:
        """End background polling (the world is reset, so pending jobs vanish) and close the clients."""
        self.control.reset("empty")
        for poller in self.pollers:
            # a poller of a vanished job ends with an error; that is the point
            with contextlib.suppress(Exception):
                poller.wait(timeout=10)
        self.asr.close()
        self.logs.close()

    @property
    def world(self) -> Any:
        return self.server.world

    def locked(self) -> Any:
        """The world, locked and progressed to now (direct model assertions)."""
        return self.server.locked()

    def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    # --- SDK shortcuts ----------------------------------------------------------------------
    def item(self, ref: tuple[str, str, str]) -> Any:
        return self.asr.replication_protected_items.get(RG, VAULT, *ref)

    def job(self, name: str) -> Any:
        return self.asr.replication_jobs.get(RG, VAULT, name)

    def failback(self, ref: tuple[str, str, str], option: str = "ForDownTime", **details: Any) -> Any:
        """Start a failback (planned failover RecoveryToPrimary) without waiting; return the poller."""
        body = failback_input(option, **details)
        return self.track(self.asr.replication_protected_items.begin_planned_failover(RG, VAULT, *ref, body))

    def job_id_of(self, ref: tuple[str, str, str]) -> str:
        """The job running on an item, from ``currentScenario`` (how activities adopt a job)."""
        return str(self.item(ref).properties.current_scenario.job_id).rsplit("/", 1)[1]

    def resume(self, job_name: str) -> Any:
        params = m.ResumeJobParams(properties=m.ResumeJobParamsProperties(comments="approved"))
        return self.track(self.asr.replication_jobs.begin_resume(RG, VAULT, job_name, params))

    def cancel(self, job_name: str) -> Any:
        """Cancel a job and let it pass ``Cancelling`` (R55); the cancelled job."""
        poller = self.track(self.asr.replication_jobs.begin_cancel(RG, VAULT, job_name))
        self.advance(60)
        return poller.result()

    def commit(self, ref: tuple[str, str, str]) -> Any:
        return self.track(self.asr.replication_protected_items.begin_failover_commit(RG, VAULT, *ref))

    def reprotect(self, ref: tuple[str, str, str]) -> Any:
        body = m.ReverseReplicationInput(
            properties=m.ReverseReplicationInputProperties(
                failover_direction="PrimaryToRecovery",
                provider_specific_details=m.HyperVReplicaAzureReprotectInput(),
            )
        )
        return self.track(self.asr.replication_protected_items.begin_reprotect(RG, VAULT, *ref, body))

    def heartbeats(self, vm: str, since: str) -> list[Any]:
        query = f"Heartbeat | where Computer =~ '{vm}' and TimeGenerated > datetime({since})"
        result = self.logs.query_workspace(WORKSPACE, query, timespan=None)
        return list(result.tables[0].rows)


def failback_input(option: str = "ForDownTime", **details: Any) -> m.PlannedFailoverInput:
    """A Hyper-V failback request as the SDK sends it."""
    return m.PlannedFailoverInput(
        properties=m.PlannedFailoverInputProperties(
            failover_direction="RecoveryToPrimary",
            provider_specific_details=m.HyperVReplicaAzureFailbackProviderInput(
                data_sync_option=option,
                recovery_vm_creation_option=details.pop("recovery_vm_creation_option", "NoAction"),
                **details,
            ),
        )
    )


@pytest.fixture(scope="module")
def _server() -> Iterator[tuple[SimulatorServer, ManualClock]]:
    clock = ManualClock()
    with SimulatorServer(scenario="default", clock=clock) as server:
        yield server, clock


@pytest.fixture
def sim(_server: tuple[SimulatorServer, ManualClock]) -> Iterator[Sim]:
    server, clock = _server
    server.control.reset("default")
    server.control.clear_faults()
    # no Retry-After on status polls: the client polls every 0.05 s, so tests do not wait
    server.control.settings(page_size=50, poll_retry_after=0, initial_retry_after=30)
    helper = Sim(server, clock)
    yield helper
    helper.close()
