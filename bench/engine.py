"""Engine benchmark: the local host (devhost) against durabletask's in-memory backend.

Run ``python -m bench.engine`` (default run well under a minute). The same workflow runs
on both engines: three activities, one durable timer, one external event, three more
activities (``tests/devhost_apps/bench_flow`` on devhost; an equivalent
``durabletask`` orchestration here). Two figures per engine:

- throughput: ``--instances`` orchestrations started at once, each event raised as
  soon as all are waiting; orchestrations per second from first start to last completion;
- latency: ``--latency-samples`` instances, one at a time, from the client's raise-event
  call to the start of the next activity (p50/p95, milliseconds).

The timer is zero-length on both engines so that neither waits real time (devhost runs
on a ``VirtualClock``; durabletask's in-memory backend only knows real time).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parents[1]
BENCH_APP = ROOT / "tests" / "devhost_apps" / "bench_flow"
POLL_SECONDS = 0.002  # one instance: fine-grained, the latency figure depends on it
BATCH_POLL_SECONDS = 0.05  # all instances: coarse, so polling does not steal the engine's CPU


@dataclass
class Figures:
    """What one engine measured."""

    engine: str
    instances: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        """Completed orchestrations per second."""
        return self.instances / self.seconds

    def percentile(self, p: float) -> float:
        """The p-th percentile of the raise-event latencies (ms)."""
        ordered = sorted(self.latencies_ms)
        if len(ordered) == 1:
            return ordered[0]
        return statistics.quantiles(ordered, n=100, method="inclusive")[int(p) - 1]


class Engine(Protocol):
    """What the benchmark needs from an engine under test."""

    name: str

    def start(self, instance_id: str) -> None:
        """Start one bench_flow orchestration."""

    def waiting(self, ids: list[str]) -> bool:
        """True when every instance in ``ids`` waits for its event."""

    def raise_go(self, instance_id: str) -> None:
        """Raise the ``go`` event on an instance."""

    def completed(self, ids: list[str]) -> bool:
        """True when every instance in ``ids`` completed (raises if one failed)."""

    def run_until(self, predicate: Callable[[], bool], poll: float = POLL_SECONDS) -> None:
        """Let the engine work until ``predicate`` holds (checked every ``poll`` s if polled)."""


def _resumed_at(log_file: Path) -> dict[str, float]:
    if not log_file.exists():
        return {}
    pairs = (line.split() for line in log_file.read_text().splitlines() if line.strip())
    return {instance: float(at) for instance, at in pairs}


def measure(engine: Engine, log_file: Path, instances: int, samples: int) -> Figures:
    """Throughput over ``instances`` concurrent runs, then ``samples`` one-at-a-time latencies."""
    ids = [f"tp-{i:05d}" for i in range(instances)]
    began = time.perf_counter()
    for instance_id in ids:
        engine.start(instance_id)
    engine.run_until(lambda: engine.waiting(ids), poll=BATCH_POLL_SECONDS)
    for instance_id in ids:
        engine.raise_go(instance_id)
    engine.run_until(lambda: engine.completed(ids), poll=BATCH_POLL_SECONDS)
    seconds = time.perf_counter() - began

    latencies: list[float] = []
    for i in range(samples):
        instance_id = f"lat-{i:05d}"
        engine.start(instance_id)
        engine.run_until(lambda: engine.waiting([instance_id]))  # noqa: B023 - used at once
        raised = time.time()
        engine.raise_go(instance_id)
        engine.run_until(lambda: instance_id in _resumed_at(log_file))  # noqa: B023 - used at once
        latencies.append((_resumed_at(log_file)[instance_id] - raised) * 1000)
        engine.run_until(lambda: engine.completed([instance_id]))  # noqa: B023 - used at once
    return Figures(engine.name, instances, seconds, latencies)


def _spin(predicate: Callable[[], bool], poll: float, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step did not finish")
        time.sleep(poll)


# --- devhost ------------------------------------------------------------------------------


class DevhostEngine:
    """bench_flow on an in-process DevHost with a VirtualClock, through its HTTP API."""

    name = "devhost"

    def __init__(self, host: Any) -> None:
        import requests

        self.host = host
        self.http = requests.Session()
        binding = host.client_binding()
        self.rpc = (json.loads(binding) if isinstance(binding, str) else binding)["rpcBaseUrl"]
        self.webhook = f"{str(host.base_url).rstrip('/')}/runtime/webhooks/durabletask"

    def start(self, instance_id: str) -> None:
        """POST to the RPC start route, as ``client.start_new`` does."""
        response = self.http.post(f"{self.rpc}orchestrators/bench_flow/{instance_id}", timeout=60)
        response.raise_for_status()

    def _statuses(self, ids: list[str]) -> list[dict]:
        if len(ids) == 1:
            return [self.http.get(f"{self.webhook}/instances/{ids[0]}", timeout=60).json()]
        prefix = ids[0].split("-")[0] + "-"
        response = self.http.get(
            f"{self.webhook}/instances", params={"instanceIdPrefix": prefix, "top": "100000"}, timeout=60
        )
        wanted = set(ids)
        return [s for s in response.json() if s["instanceId"] in wanted]

    def waiting(self, ids: list[str]) -> bool:
        """Every instance reports custom status 'waiting'."""
        statuses = self._statuses(ids)
        return len(statuses) == len(ids) and all(s.get("customStatus") == "waiting" for s in statuses)

    def raise_go(self, instance_id: str) -> None:
        """POST the event to the public raiseEvent route (what an approval link does)."""
        self.http.post(f"{self.webhook}/instances/{instance_id}/raiseEvent/go", json=True, timeout=60)

    def completed(self, ids: list[str]) -> bool:
        """Every instance is Completed."""
        statuses = self._statuses(ids)
        failed = [s for s in statuses if s["runtimeStatus"] in ("Failed", "Terminated")]
        if failed:
            raise RuntimeError(f"devhost: instance failed: {failed[0]}")
        return len(statuses) == len(ids) and all(s["runtimeStatus"] == "Completed" for s in statuses)

    def run_until(self, predicate: Callable[[], bool], poll: float = POLL_SECONDS) -> None:
        """``drive`` fires the zero-length timers; the predicate is checked whenever the host is idle."""
        self.host.drive(until=predicate, timeout=300)


@contextmanager
def devhost_engine(log_dir: Path) -> Iterator[DevhostEngine]:
    """An in-process DevHost serving the bench_flow app."""
    from devhost.clock import VirtualClock
    from devhost.testing import DevHost

    clock = VirtualClock(start=datetime(2026, 1, 1, tzinfo=UTC))
    with DevHost(
        app_dir=BENCH_APP, clock=clock, env={"CONFORMANCE_LOG_DIR": str(log_dir)}, state_dir=log_dir / "state"
    ) as host:
        yield DevhostEngine(host)


# --- durabletask --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dt_orchestrator(log_file: Path) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The durabletask equivalent of bench_flow and its activity."""

    def bench_step(ctx: Any, step: dict) -> int:
        if step["n"] == 4:
            with open(log_file, "a", encoding="utf-8") as handle:
                handle.write(f"{step['instance']} {time.time()}\n")
        return int(step["n"])

    def bench_flow(ctx: Any, _: Any) -> Any:
        total = 0
        for n in (1, 2, 3):
            total += yield ctx.call_activity(bench_step, input={"instance": ctx.instance_id, "n": n})
        yield ctx.create_timer(ctx.current_utc_datetime)
        ctx.set_custom_status("waiting")
        yield ctx.wait_for_external_event("go")
        ctx.set_custom_status("resumed")
        for n in (4, 5, 6):
            total += yield ctx.call_activity(bench_step, input={"instance": ctx.instance_id, "n": n})
        return total

    return bench_flow, bench_step


class DurableTaskEngine:
    """bench_flow on durabletask's in-memory gRPC backend with an in-process worker."""

    name = "durabletask"

    def __init__(self, client: Any, orchestrator: Callable[..., Any]) -> None:
        self.client = client
        self.orchestrator = orchestrator

    def start(self, instance_id: str) -> None:
        """Schedule one orchestration."""
        self.client.schedule_new_orchestration(self.orchestrator, instance_id=instance_id)

    def _states(self, ids: list[str]) -> list[Any]:
        """One query for the whole batch (as devhost uses one list call), or one lookup."""
        if len(ids) == 1:
            state = self.client.get_orchestration_state(ids[0])
            return [] if state is None else [state]
        from durabletask.client import OrchestrationQuery

        prefix = ids[0].split("-")[0] + "-"
        query = OrchestrationQuery(instance_id_prefix=prefix, fetch_inputs_and_outputs=True)
        wanted = set(ids)
        return [s for s in self.client.get_all_orchestration_states(query) if s.instance_id in wanted]

    def waiting(self, ids: list[str]) -> bool:
        """Every instance reports custom status 'waiting'."""
        states = self._states(ids)
        waiting = json.dumps("waiting")
        return len(states) == len(ids) and all(s.serialized_custom_status == waiting for s in states)

    def raise_go(self, instance_id: str) -> None:
        """Raise the event through the gRPC client."""
        self.client.raise_orchestration_event(instance_id, "go", data=True)

    def completed(self, ids: list[str]) -> bool:
        """Every instance is COMPLETED."""
        states = self._states(ids)
        for state in states:
            if state.runtime_status.name in ("FAILED", "TERMINATED"):
                raise RuntimeError(f"durabletask: {state.instance_id} failed: {state.failure_details}")
        return len(states) == len(ids) and all(s.runtime_status.name == "COMPLETED" for s in states)

    def run_until(self, predicate: Callable[[], bool], poll: float = POLL_SECONDS) -> None:
        """The worker runs on its own threads; poll."""
        _spin(predicate, poll)


@contextmanager
def durabletask_engine(log_dir: Path) -> Iterator[DurableTaskEngine]:
    """A started in-memory backend, worker and client."""
    from durabletask.client import TaskHubGrpcClient
    from durabletask.testing import create_test_backend
    from durabletask.worker import TaskHubGrpcWorker

    port = _free_port()
    backend = create_test_backend(port=port)
    orchestrator, activity = _dt_orchestrator(log_dir / "resumed.txt")
    worker = TaskHubGrpcWorker(host_address=f"localhost:{port}")
    worker.add_orchestrator(orchestrator)
    worker.add_activity(activity)
    worker.start()
    client = TaskHubGrpcClient(host_address=f"localhost:{port}")
    try:
        yield DurableTaskEngine(client, orchestrator)
    finally:
        worker.stop()
        backend.stop()


# --- report -------------------------------------------------------------------------------


def _line(f: Figures) -> str:
    return (
        f"{f.engine:<12} {f.instances:>5} orchestrations in {f.seconds:6.2f} s = {f.per_second:7.1f}/s | "
        f"raise-event -> next activity start over {len(f.latencies_ms)} samples: "
        f"p50 {f.percentile(50):7.1f} ms, p95 {f.percentile(95):7.1f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=100, help="concurrent orchestrations for throughput")
    parser.add_argument("--latency-samples", type=int, default=30, help="one-at-a-time event latency samples")
    parser.add_argument("--only", choices=["devhost", "durabletask"], help="run a single engine")
    args = parser.parse_args(argv)

    import logging

    logging.disable(logging.WARNING)  # both engines log every instance at INFO/WARNING
    print(
        "workflow: 3 activities -> zero-length timer -> external event 'go' -> 3 activities; "
        f"{args.instances} concurrent instances, {args.latency_samples} latency samples"
    )
    results: dict[str, Figures] = {}
    runs: dict[str, Callable[[Path], AbstractContextManager[Engine]]] = {
        "devhost": devhost_engine,
        "durabletask": durabletask_engine,
    }
    for name, factory in runs.items():
        if args.only and args.only != name:
            continue
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp, factory(Path(tmp)) as engine:
            results[name] = measure(engine, Path(tmp) / "resumed.txt", args.instances, args.latency_samples)
        print(_line(results[name]), flush=True)
    if len(results) == 2:
        dev, ref = results["devhost"], results["durabletask"]
        print(
            f"ratio devhost/durabletask: throughput {dev.per_second / ref.per_second:.2f}x, "
            f"p50 latency {dev.percentile(50) / ref.percentile(50):.2f}x, "
            f"p95 latency {dev.percentile(95) / ref.percentile(95):.2f}x"
        )


if __name__ == "__main__":
    main()
