"""Scale benchmark (issue 7): N VMs failing back in parallel, the workflow vs a naive runbook.

Run ``python -m bench.scale`` (sizes 10 and 100, a few minutes on 2 cores) or
``python -m bench.scale --sizes 10,100,500``. Each size runs twice on a fresh simulator
(scenario ``scale-N``: N committed Hyper-V VMs) on a virtual clock:

- **workflow**: one ``waves`` request through ``POST /api/failbacks`` on the local host, one
  wave of N VMs, parallelism N, one approval (through the approval page); each VM runs the
  whole runbook (pre-flight, sync phase 1, switchover, verify, commit, reverse replication)
  as a sub-orchestration with vault-level shared polling;
- **baseline**: a runbook-style script with the same SDK: starts the N failovers one after
  the other, then every 30 simulated seconds GETs each VM's job, resumes/commits/re-protects
  as each job finishes, until every VM is protected again.

Printed per size and mode: wall time, ARM reads per simulated second (peak over 1-minute
buckets, and mean), ARM writes, history events per VM (workflow), peak RSS of the process,
and the ratios baseline/workflow. ARM's limit is 12,000 reads/hour per principal (3.33/s).
"""

from __future__ import annotations

import argparse
import re
import resource
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from activities.asr_common import JobIdCapture  # noqa: E402
from activities.operations import failback_input  # noqa: E402
from devhost.clock import VirtualClock  # noqa: E402
from scripts.failback_stack import WORKSPACE_ID, FailbackStack, sample_request  # noqa: E402
from simulator.testing import SimulatorServer  # noqa: E402

ARM_READ_LIMIT_PER_S = 12000 / 3600
#: Issue 14's goal at 500 VMs: at least this many times fewer ARM reads than the naive runbook ...
GOAL_READ_RATIO = 10.0
#: ... and a peak of at most this many reads per simulated second (1-minute buckets).
GOAL_PEAK_READS_S = 1.0
#: The workflow before issue 14 part 2 (commit 2b52678, this machine, one run each): per VM count,
#: (ARM reads, peak reads/s, mean reads/s, writes, history events per VM, peak RSS MB).
BEFORE: dict[int, tuple[int, float, float, int, int, int]] = {
    10: (154, 0.53, 0.090, 40, 209, 104),
    100: (1307, 2.67, 0.671, 400, 215, 166),
    500: (6882, 6.67, 2.571, 2000, 206, 515),
}
_ATTEST = re.compile(r'name="attest" value="([^"]+)"')
BUCKET = 60.0  # seconds of simulated time per rate bucket


@dataclass
class Figures:
    """What one run measured."""

    mode: str
    vms: int
    wall_s: float = 0.0
    sim_s: float = 0.0
    reads: int = 0
    writes: int = 0
    peak_reads_s: float = 0.0
    history_per_vm: float | None = None
    rss_mb: float = 0.0
    ok: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)

    def rates(self) -> None:
        """Peak (1-minute buckets) and mean reads per simulated second from the samples."""
        buckets: dict[int, int] = defaultdict(int)
        for (t0, r0), (t1, r1) in zip(self.samples, self.samples[1:], strict=False):
            buckets[int(t1 // BUCKET)] += r1 - r0
            del t0
        self.peak_reads_s = max(buckets.values(), default=0) / BUCKET

    @property
    def mean_reads_s(self) -> float:
        """Reads per simulated second over the whole run."""
        return self.reads / self.sim_s if self.sim_s else 0.0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _counts(sim: SimulatorServer) -> tuple[int, int]:
    """ARM reads and ARM writes so far (Log Analytics queries are POSTs: not counted)."""
    data = sim.control.requests()
    arm_writes = sum(v for k, v in data["byKind"].items() if k.startswith("write") and "logs" not in k)
    return int(data["reads"]), arm_writes


def _approve(stack: FailbackStack, run_id: str, gate: str) -> None:
    stack.drive(lambda: bool(stack.approval_links(run_id, gate)), timeout=300)
    link = stack.approval_links(run_id, gate)[0]
    page = stack.http.get(link, timeout=60).text
    form = {
        "token": link.rsplit("/", 1)[-1],
        "decision": "approve",
        "comment": "bench",
        "attest": _ATTEST.findall(page),
    }
    response = stack.http.post(link, data=form, timeout=60)
    response.raise_for_status()


def _history_events(state_dir: Path) -> int:
    total = 0
    for db in list(state_dir.rglob("*.sqlite")) + list(state_dir.rglob("*.db")):
        try:
            with sqlite3.connect(db) as conn:
                total += int(conn.execute("SELECT COUNT(*) FROM history").fetchone()[0])
        except sqlite3.Error:
            continue
    return total


def run_workflow(n: int, timeout: float) -> Figures:
    """The waves request through the local host."""
    fig = Figures("workflow", n)
    with (
        tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp,
        FailbackStack(Path(tmp), scenario=f"scale-{n}") as stack,
    ):
        body = sample_request("x", kind="waves", dataSync="before-failover")
        del body["item"]
        body["waves"] = [{"name": "all", "items": [f"scale{i:04d}" for i in range(1, n + 1)]}]
        body["wavePolicy"] = {"parallelism": n, "approval": "once"}
        body["verification"] = {"workspaceId": WORKSPACE_ID, "windowMinutes": 30}
        start_clock = stack.clock.now()
        started = time.monotonic()
        run_id = stack.start_failback(body)
        _approve(stack, run_id, "waves")
        base_reads, _ = _counts(stack.sim)

        def sample() -> bool:
            reads, _ = _counts(stack.sim)
            fig.samples.append(((stack.clock.now() - start_clock).total_seconds(), reads - base_reads))
            return stack.finished(run_id)

        stack.drive(sample, timeout=timeout)
        fig.wall_s = time.monotonic() - started
        fig.sim_s = (stack.clock.now() - start_clock).total_seconds()
        reads, writes = _counts(stack.sim)
        fig.reads, fig.writes = reads, writes
        report = stack.run(run_id).get("report") or {}
        fig.ok = int((report.get("counts") or {}).get("succeeded") or 0)
        assert stack.invariants() == [], stack.invariants()
        stack.stop_host()
        fig.history_per_vm = _history_events(Path(tmp)) / n
    fig.rss_mb = _rss_mb()
    fig.rates()
    return fig


class Runbook:
    """The naive baseline: sequential start, then GET every VM's job every 30 simulated seconds."""

    POLL = timedelta(seconds=30)

    def __init__(self, sim: SimulatorServer, clock: VirtualClock, n: int) -> None:
        self.sim, self.clock, self.n = sim, clock, n
        self.client = sim.mgmt_client()
        self.args = ("rg-dr", "vault-dr")
        self.items = self._items()
        self.stage: dict[str, str] = {}
        self.job: dict[str, str] = {}

    def _items(self) -> dict[str, tuple[str, str, str]]:
        out = {}
        for rpi in self.client.replication_protected_items.list(*self.args):
            name = str(rpi.name)
            if name.startswith("rpi-scale"):
                parts = str(rpi.id).split("/")
                out[name] = (
                    parts[parts.index("replicationFabrics") + 1],
                    parts[parts.index("replicationProtectionContainers") + 1],
                    name,
                )
        return dict(sorted(out.items())[: self.n])

    def _start(self, name: str, method: Callable[..., Any], *body: Any) -> None:
        capture = JobIdCapture()
        method(*self.args, *self.items[name], *body, polling=False, raw_response_hook=capture)
        self.job[name] = str(capture.job_name)

    def start_all(self) -> None:
        """Start every failover one after the other (ForDownTime, original location)."""
        for name in self.items:
            self._start(
                name,
                self.client.replication_protected_items.begin_planned_failover,
                failback_input("ForDownTime", create_vm=False),
            )
            self.stage[name] = "sync"

    def step(self, name: str) -> None:
        """GET the VM's job; move it on when its step finished."""
        state = self.client.replication_jobs.get(*self.args, self.job[name]).properties.state
        stage = self.stage[name]
        if stage == "sync" and state == "Suspended":
            from azure.mgmt.recoveryservicessiterecovery import models

            self.client.replication_jobs.begin_resume(
                *self.args,
                self.job[name],
                models.ResumeJobParams(properties=models.ResumeJobParamsProperties(comments="runbook")),
                polling=False,
            )
            self.stage[name] = "switchover"
        elif stage == "switchover" and state == "Succeeded":
            self._start(name, self.client.replication_protected_items.begin_failover_commit)
            self.stage[name] = "commit"
        elif stage == "commit" and state == "Succeeded":
            from activities.operations import reprotect_input

            rpi = self.client.replication_protected_items.get(*self.args, *self.items[name]).as_dict()
            self._start(name, self.client.replication_protected_items.begin_reprotect, reprotect_input(rpi))
            self.stage[name] = "reprotect"
        elif stage == "reprotect" and state == "Succeeded":
            self.stage[name] = "done"
        elif state in ("Failed", "Cancelled"):
            self.stage[name] = "failed"

    def run(self, fig: Figures, start: datetime) -> None:
        """Poll until every VM is done (or failed)."""
        self.start_all()
        while any(s not in ("done", "failed") for s in self.stage.values()):
            self.clock.advance(self.POLL)
            for name in self.items:
                if self.stage[name] not in ("done", "failed"):
                    self.step(name)
            reads, _ = _counts(self.sim)
            fig.samples.append(((self.clock.now() - start).total_seconds(), reads))
        fig.ok = sum(1 for s in self.stage.values() if s == "done")


def run_baseline(n: int) -> Figures:
    """The runbook against a fresh simulator on its own virtual clock."""
    fig = Figures("baseline", n)
    clock = VirtualClock(start=datetime.now(UTC).replace(microsecond=0))
    with SimulatorServer(scenario=f"scale-{n}", clock=clock) as sim:
        start = clock.now()
        started = time.monotonic()
        runbook = Runbook(sim, clock, n)
        runbook.run(fig, start)
        fig.wall_s = time.monotonic() - started
        fig.sim_s = (clock.now() - start).total_seconds()
        fig.reads, fig.writes = _counts(sim)
    fig.rss_mb = _rss_mb()
    fig.rates()
    return fig


def _row(f: Figures) -> str:
    hist = f"{f.history_per_vm:.0f}" if f.history_per_vm is not None else "-"
    return (
        f"| {f.vms} | {f.mode} | {f.ok}/{f.vms} | {f.wall_s:.1f} | {f.sim_s / 60:.0f} | {f.reads} | "
        f"{f.peak_reads_s:.2f} | {f.mean_reads_s:.3f} | {f.writes} | {hist} | {f.rss_mb:.0f} |"
    )


def _before_after(pairs: list[tuple[Figures, Figures]]) -> None:
    """The workflow's figures next to BEFORE (same machine), the ratio to the naive runbook and the goal."""
    print(
        "| VMs | reads BEFORE | reads now | naive | naive/now (BEFORE) | peak reads/s BEFORE | now "
        "| mean reads/s BEFORE | now | writes BEFORE | now | history/VM BEFORE | now | RSS MB BEFORE | now |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for wf, bl in pairs:
        before = BEFORE.get(wf.vms)
        ratio = bl.reads / wf.reads if wf.reads else float("inf")
        hist = f"{wf.history_per_vm:.0f}" if wf.history_per_vm is not None else "-"
        if before is None:
            print(
                f"| {wf.vms} | - | {wf.reads} | {bl.reads} | x{ratio:.1f} | - | {wf.peak_reads_s:.2f} | - "
                f"| {wf.mean_reads_s:.3f} | - | {wf.writes} | - | {hist} | - | {wf.rss_mb:.0f} |"
            )
            continue
        reads, peak, mean, writes, history, rss = before
        print(
            f"| {wf.vms} | {reads} | {wf.reads} | {bl.reads} | x{ratio:.1f} (x{bl.reads / reads:.1f}) "
            f"| {peak:.2f} | {wf.peak_reads_s:.2f} | {mean:.3f} | {wf.mean_reads_s:.3f} | {writes} "
            f"| {wf.writes} | {history} | {hist} | {rss} | {wf.rss_mb:.0f} |"
        )
    for wf, bl in pairs:
        if wf.vms == 500:
            ratio = bl.reads / wf.reads if wf.reads else float("inf")
            met = ratio >= GOAL_READ_RATIO and wf.peak_reads_s <= GOAL_PEAK_READS_S
            print(
                f"Goal at 500 VMs (>= x{GOAL_READ_RATIO:.0f} fewer reads than naive, peak <= "
                f"{GOAL_PEAK_READS_S:g} read/s): x{ratio:.1f}, peak {wf.peak_reads_s:.2f} -> "
                f"{'reached' if met else 'NOT reached'}"
            )


def main(argv: list[str] | None = None) -> int:
    """Run the sizes and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100", help="comma-separated VM counts (scale-N scenarios)")
    parser.add_argument("--timeout", type=float, default=900, help="real seconds per workflow run")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(
        "| VMs | mode | ok | wall s | sim min | ARM reads | peak reads/s | mean reads/s | writes "
        "| history/VM | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    pairs = []
    for n in sizes:
        wf = run_workflow(n, args.timeout)
        print(_row(wf), flush=True)
        bl = run_baseline(n)
        print(_row(bl), flush=True)
        pairs.append((wf, bl))
    print()
    _before_after(pairs)
    print()
    print(f"ARM read limit: {ARM_READ_LIMIT_PER_S:.2f} reads/s (12,000/hour per principal)")
    for wf, bl in pairs:
        peak = bl.peak_reads_s / wf.peak_reads_s if wf.peak_reads_s else float("inf")
        total = bl.reads / wf.reads if wf.reads else float("inf")
        per_vm_wf, per_vm_bl = wf.reads / wf.vms, bl.reads / bl.vms
        print(
            f"{wf.vms} VMs: baseline/workflow peak reads/s x{peak:.1f}, total reads x{total:.1f} "
            f"(reads per VM {per_vm_bl:.0f} vs {per_vm_wf:.0f}); simulated duration "
            f"{bl.sim_s / 60:.0f} vs {wf.sim_s / 60:.0f} min"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
