"""The benchmark workflow: three activities, a timer, an external event, three activities.

Used by ``python -m bench.engine`` on the local host; ``bench/engine.py`` runs an
equivalent orchestration on ``durabletask``'s in-memory backend. Activity 4 (the first
after the event) appends its start time so the benchmark can measure event latency.
"""

import os
import time
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def bench_flow(context: df.DurableOrchestrationContext):
    total = 0
    for n in (1, 2, 3):
        total += yield context.call_activity("bench_step", {"instance": context.instance_id, "n": n})
    # A zero-length durable timer: the full timer path without waiting (equal on both engines).
    yield context.create_timer(context.current_utc_datetime)
    context.set_custom_status("waiting")
    yield context.wait_for_external_event("go")
    context.set_custom_status("resumed")
    for n in (4, 5, 6):
        total += yield context.call_activity("bench_step", {"instance": context.instance_id, "n": n})
    return total


@app.activity_trigger(input_name="step")
def bench_step(step: dict) -> int:
    if step["n"] == 4:
        started = time.time()
        with open(Path(os.environ["CONFORMANCE_LOG_DIR"]) / "resumed.txt", "a", encoding="utf-8") as handle:
            handle.write(f"{step['instance']} {started}\n")
    return step["n"]
