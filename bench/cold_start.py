"""Cold-start benchmark (issue 14): importing the app vs importing the two SDKs it cannot avoid.

Run ``python -m bench.cold_start [--runs 9]``. Each figure is the median over fresh interpreters
(``python -c "import ..."``, timed inside the child with ``time.perf_counter`` around the import,
so interpreter start-up is excluded):

- **app**: ``import entrypoint`` — what the Python worker does on a cold start before the first
  function (an approval click after Flex Consumption scaled to zero) can run;
- **SDKs**: ``import azure.durable_functions, azure.mgmt.recoveryservicessiterecovery`` alone;
- **ours**: app − SDKs, the part this project owns; the goal is ≤ 100 ms.

BEFORE figures (issue 14, measured on the same machine before the lazy imports) are printed
next to the current ones with their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_MS = 100.0
#: Measured with this benchmark at commit 82dbd84 (before issue 14's lazy imports), 9 runs.
BEFORE_MS = {"app": 508.0, "sdks": 331.0}

_PROBE = (
    "import time, warnings; warnings.filterwarnings('ignore'); t = time.perf_counter(); {stmt}; "
    "print((time.perf_counter() - t) * 1000)"
)
STATEMENTS = {
    "app": "import entrypoint",
    "sdks": "import azure.durable_functions, azure.mgmt.recoveryservicessiterecovery",
}


def measure(stmt: str, runs: int) -> list[float]:
    """Milliseconds to run ``stmt`` in ``runs`` fresh interpreters started in the repo root."""
    out = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _PROBE.format(stmt=stmt)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(float(done.stdout.strip().splitlines()[-1]))
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure and print medians, BEFORE values and ratios."""
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    medians: dict[str, float] = {}
    print(f"{'figure':<32} {'median ms':>10} {'min':>8} {'max':>8} {'BEFORE':>8} {'after/before':>13}")
    for name, stmt in STATEMENTS.items():
        values = measure(stmt, args.runs)
        medians[name] = statistics.median(values)
        before = BEFORE_MS.get(name) or 0.0
        ratio = f"x{medians[name] / before:.2f}" if before else "-"
        print(
            f"{name + ': ' + stmt:<32.32} {medians[name]:>10.0f} {min(values):>8.0f} {max(values):>8.0f} "
            f"{before:>8.0f} {ratio:>13}"
        )
    ours = medians["app"] - medians["sdks"]
    before_ours = BEFORE_MS["app"] - BEFORE_MS["sdks"]
    print(
        f"\nours (app - SDKs): {ours:.0f} ms (BEFORE {before_ours:.0f} ms); goal <= {GOAL_MS:.0f} ms: "
        f"{'reached' if ours <= GOAL_MS else 'NOT reached'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
