"""``make demo``: a complete failback of a sample VM, locally, in well under a minute.

Starts the ASR simulator and the local Functions host in this process on one virtual
clock (real HTTP ports; durable timers and ASR jobs skip ahead together), then acts like
the people involved:

1. an operator starts the failback of ``web01`` with ``POST /api/failbacks``;
2. the run checks the preconditions and runs sync phase 1 while the Azure VM keeps running;
3. an approver opens the approval link from the local outbox and approves on the page;
4. the run shuts the Azure VM down, transfers the final delta, starts the VM on-premises,
   verifies it with Log Analytics, commits and reverse-replicates;
5. the final report is printed. Exit code 0 when the failback succeeded and the simulator
   saw no invariant violation (both copies running, data loss, cancel during sync).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from scripts.failback_stack import FailbackStack, sample_request

warnings.filterwarnings("ignore", message="azure.functions df_loads was called")


def _progress_line(view: dict[str, Any], clock: str) -> str:
    progress = view.get("progress") or {}
    task = progress.get("task") or view.get("step") or ""
    percent = progress.get("percent")
    eta = progress.get("etaSeconds")
    parts = [f"[{clock}]", f"{view.get('phase') or '-':<11}", task]
    if percent is not None:
        parts.append(f"{percent:5.1f}%")
    if eta:
        parts.append(f"ETA {int(eta)}s")
    if view.get("jobId"):
        parts.append(f"job {str(view['jobId'])[:8]}")
    return "  ".join(p for p in parts if p)


class ProgressPrinter:
    """Prints a line whenever the run's phase, ASR task or percent changes."""

    def __init__(self, stack: FailbackStack, run_id: str) -> None:
        self.stack = stack
        self.run_id = run_id
        self.last: tuple[Any, ...] | None = None
        self.view: dict[str, Any] = {}

    def poll(self) -> dict[str, Any]:
        """Read the run and print its progress if it changed."""
        self.view = self.stack.run(self.run_id)
        progress = self.view.get("progress") or {}
        key = (self.view.get("phase"), self.view.get("step"), progress.get("task"), progress.get("percent"))
        if key != self.last:
            self.last = key
            print(_progress_line(self.view, f"{self.stack.clock.now():%H:%M:%S}"), flush=True)
        return self.view

    def until(self, **wanted: Any) -> Any:
        """A ``drive`` predicate: the run ended or matches ``wanted``."""

        def reached() -> bool:
            view = self.poll()
            if view["runtimeStatus"] in ("Completed", "Failed", "Terminated"):
                return True
            return bool(wanted) and all(view.get(k) == v for k, v in wanted.items())

        return reached


def print_report(report: dict[str, Any]) -> None:
    """The final report, condensed for a terminal."""
    print("\n=== Failback report ===")
    item = report.get("item") or {}
    sync = report.get("dataSync") or {}
    print(f"run        {report['runId']}")
    print(f"outcome    {report['outcome']}  ({report.get('message')})")
    print(f"VM         {item.get('friendlyName')} (ASR item {item.get('name')})")
    print(f"location   {report.get('location')}")
    print(f"data sync  {sync.get('dataSyncOption')} / {sync.get('asrDataSyncOption')}: {sync.get('reason')}")
    downtime = report.get("downtimeSeconds")
    print(
        f"downtime   {downtime:.0f} s (Azure VM shut down -> on-prem VM verified)"
        if downtime
        else "downtime   -"
    )
    print("phases:")
    for phase in report.get("phases") or []:
        seconds = phase.get("seconds")
        print(
            f"  {phase['phase']:<11} {seconds:>8.0f} s" if seconds is not None else f"  {phase['phase']:<11}"
        )
    print("ASR jobs:")
    for job in report.get("asrJobs") or []:
        print(f"  {job['operation']:<11} {job['jobId']}  {job.get('state')}")
    print("decisions:")
    for decision in report.get("decisions") or []:
        print(
            f"  {decision['at']}  {decision.get('gate') or decision['phase']}: {decision['decision']}"
            f" by {decision.get('by')}"
        )
    if report.get("error"):
        print(f"error      {report['error']['code']}: {report['error']['message']}")
        print(f"what to do {report['error']['remedy']}")


def run_demo(state_dir: Path, vm: str) -> int:
    """Run the demo in ``state_dir``; the exit code."""
    started = time.monotonic()
    with FailbackStack(state_dir) as stack:
        print(f"simulator  {stack.sim.info['arm_endpoint']} (ASR ARM + Log Analytics)")
        print(f"local host {stack.running.base_url} (Functions + Durable, virtual clock)")
        virtual_start = stack.clock.now()
        body = sample_request(vm)
        response = stack.post(
            "/api/failbacks", body, {"x-ms-client-principal-name": "operator@contoso.example"}
        )
        if response.status_code != 202:
            print(f"start refused: {response.status_code} {response.text}", file=sys.stderr)
            return 1
        run_id = response.json()["id"]
        print(f"POST /api/failbacks -> 202, Location {response.headers['Location']}")
        printer = ProgressPrinter(stack, run_id)
        stack.drive(printer.until(awaiting="approval"), timeout=60)
        if printer.view.get("awaiting") == "approval":
            stack.drive(lambda: bool(stack.approval_links(run_id, "switchover")), timeout=30)
            links = stack.approval_links(run_id, "switchover")
            print(f"approval link in the outbox: {links[0] if links else '-'}")
            decided = stack.decide(run_id, "approved", comment="Maintenance window agreed with the owners")
            print(f"approver opened the page and approved -> {decided.status_code}")
        stack.drive(printer.until(), timeout=90)
        view = stack.run(run_id)
        report = view.get("report") or {}
        if report:
            print_report(report)
        violations = stack.invariants()
        print(f"simulator invariants: {violations or 'none violated'}")
        writes = {k.removeprefix("write "): v for k, v in stack.writes().items()}
        print(f"ARM writes: {writes}")
        print(
            f"finished in {time.monotonic() - started:.1f} s real time; "
            f"{stack.clock.now() - virtual_start} of virtual (ASR) time"
        )
        ok = view["runtimeStatus"] == "Completed" and report.get("outcome") == "succeeded" and not violations
        return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``make demo``."""
    parser = argparse.ArgumentParser(prog="python -m scripts.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--vm", default="web01", help="friendly name of a VM of the default scenario")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="failback-demo-") as tmp:
        return run_demo(Path(tmp), args.vm)


if __name__ == "__main__":
    sys.exit(main())
