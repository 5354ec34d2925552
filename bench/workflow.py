"""Workflow benchmark: complete failbacks on the local stack, figures per run.

Run ``python -m bench.workflow [--runs 20]``. Each run is the happy path of ``make demo``
(``web01``, before-failover, approval through the page) on a fresh simulator + local host
sharing one ``VirtualClock``. Printed figures (p50/p95 over the runs):

- history events per run: events stored for the run and its sub-orchestrations (gate, job
  waits; for a job wait that continued as new, its last generation);
- ARM calls per run: the simulator's request log (reads, writes, total);
- approval -> resume request: from the approver's form POST to the ``resume`` POST reaching
  ASR, in real time and in virtual (ASR) time;
- phase-2 completion -> verification start: from the switchover job ending in ASR to the
  first Log Analytics query, in virtual time (dominated by the job poll interval) and in
  real time.

Real-time moments are sampled by a background thread polling the simulator's control API
every few milliseconds, so real-time figures carry that resolution.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.items import parse_time
from scripts.failback_stack import FailbackStack, sample_request

warnings.filterwarnings("ignore", message="azure.functions df_loads was called")
SAMPLE_SECONDS = 0.003
#: p50 of each figure before issue 14 (20 runs at 82dbd84, same machine); printed with the ratio.
BEFORE_P50 = {
    "history events (run)": 56.0,
    "history events (run + sub-orchestrations)": 296.0,
    "ARM reads": 42.0,
    "ARM writes": 6.0,
    "ARM calls": 48.0,
    "phase 2 done -> verify start, virtual s": 40.0,
    "phase 2 done -> verify start, real ms": 37.0,
}


@dataclass
class Sampler:
    """Records the first real time each named condition on the simulator holds."""

    stack: FailbackStack
    checks: dict[str, Callable[[dict[str, Any], dict[str, Any]], bool]]
    seen: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _loop(self) -> None:
        while not self._stop.is_set() and len(self.seen) < len(self.checks):
            try:
                counts = self.stack.sim.control.requests()
                state = self.stack.sim.control.state() if "switchover-done" not in self.seen else {}
            except Exception:  # the stack is shutting down
                return
            now = time.perf_counter()
            for name, check in self.checks.items():
                if name not in self.seen and check(counts, state):
                    self.seen[name] = now
            time.sleep(SAMPLE_SECONDS)

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _writes(counts: dict[str, Any], kind: str) -> int:
    return int(counts.get("byKind", {}).get(f"write {kind}", 0))


def _switchover_done(state: dict[str, Any]) -> bool:
    for job in state.get("jobs") or []:
        if job.get("scenarioName") == "PlannedFailover" and job.get("state") == "Succeeded":
            return True
    return False


def _job(state: dict[str, Any], scenario: str) -> dict[str, Any]:
    return next(j for j in state["jobs"] if j.get("scenarioName") == scenario)


def _task_end(job: dict[str, Any], name: str) -> datetime | None:
    for task in job.get("tasks") or []:
        if task.get("name") == name:
            return parse_time(task.get("endTime"))
    return None


def history_events(stack: FailbackStack, run_id: str) -> tuple[int, int]:
    """(events of the run's own history, events of the run and its sub-orchestrations)."""
    rows = stack.running.runtime.store.query(
        "SELECT instance_id, COUNT(*) AS n FROM history WHERE instance_id LIKE ? GROUP BY instance_id",
        (run_id + "%",),
    )
    counts = {row["instance_id"]: int(row["n"]) for row in rows}
    return counts.get(run_id, 0), sum(counts.values())


def one_run(workdir: Path) -> dict[str, float]:
    """One complete failback; its figures."""
    with FailbackStack(workdir) as stack:
        run_id = stack.start_failback(sample_request())
        stack.drive_to(run_id, awaiting="approval")
        stack.drive(lambda: bool(stack.approval_links(run_id, "switchover")), timeout=30)
        checks = {
            "resume": lambda c, s: _writes(c, "jobs.resume") > 0,
            "switchover-done": lambda c, s: _switchover_done(s),
            "verify": lambda c, s: _writes(c, "logs.query") > 0,
        }
        with Sampler(stack, checks) as sampler:
            approved_virtual = stack.clock.now()
            approved_real = time.perf_counter()
            response = stack.decide(run_id, "approved")
            assert response.status_code == 200, response.text
            report = stack.finish(run_id, timeout=120)
        assert report["outcome"] == "succeeded", report.get("error")
        assert not stack.invariants()
        state = stack.sim.control.state()
        failover = _job(state, "PlannedFailover")
        resumed_virtual = _task_end(failover, "CompleteFailover")
        phase2_end = parse_time(failover.get("endTime"))
        verify_start = next(
            parse_time(e["at"])
            for e in report["timeline"]
            if e["event"] == "phase-started" and e["phase"] == "verify"
        )
        own, total = history_events(stack, run_id)
        counts = stack.requests_log()
        figures = {
            "history events (run)": own,
            "history events (run + sub-orchestrations)": total,
            "ARM reads": counts["reads"],
            "ARM writes": counts["writes"],
            "ARM calls": counts["total"],
        }
        if resumed_virtual is not None:
            figures["approval -> resume, virtual s"] = (resumed_virtual - approved_virtual).total_seconds()
        if "resume" in sampler.seen:
            figures["approval -> resume, real ms"] = (sampler.seen["resume"] - approved_real) * 1000
        if phase2_end is not None and verify_start is not None:
            figures["phase 2 done -> verify start, virtual s"] = (verify_start - phase2_end).total_seconds()
        shares = report.get("downtime") or {}
        for key, label in (
            ("seconds", "downtime, virtual s"),
            ("asrSeconds", "downtime: ASR share, virtual s"),
            ("workflowSeconds", "downtime: workflow share, virtual s"),
            ("verificationSeconds", "downtime: verification, virtual s"),
        ):
            if shares.get(key) is not None:
                figures[label] = float(shares[key])
        if "switchover-done" in sampler.seen and "verify" in sampler.seen:
            figures["phase 2 done -> verify start, real ms"] = (
                sampler.seen["verify"] - sampler.seen["switchover-done"]
            ) * 1000
        return figures


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.workflow", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    results: list[dict[str, float]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-workflow-") as tmp:
        for n in range(args.runs):
            results.append(one_run(Path(tmp) / f"run{n}"))
            print(f"run {n + 1}/{args.runs} done", flush=True)
    print(f"\n{args.runs} complete failbacks in {time.perf_counter() - started:.1f} s real time\n")
    names = list(dict.fromkeys(k for r in results for k in r))
    print(
        f"{'figure':<45} {'p50':>10} {'p95':>10} {'min':>10} {'max':>10} {'n':>4} "
        f"{'BEFORE p50':>11} {'ratio':>7}"
    )
    for name in names:
        values = [r[name] for r in results if name in r]
        p50, before = statistics.median(values), BEFORE_P50.get(name)
        ratio = f"x{p50 / before:.2f}" if before else "-"
        print(
            f"{name:<45} {p50:>10.1f} {percentile(values, 95):>10.1f} "
            f"{min(values):>10.1f} {max(values):>10.1f} {len(values):>4} "
            f"{before if before is not None else '-':>11} {ratio:>7}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
