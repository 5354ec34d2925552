"""A counter that continues as new after a timer until it reaches 2."""

import os
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def counter(context: df.DurableOrchestrationContext):
    n = context.get_input() or 0
    yield context.call_activity("record_generation", {"instance": context.instance_id, "n": n})
    yield context.create_timer(context.current_utc_datetime + timedelta(minutes=1))
    if n < 2:
        context.continue_as_new(n + 1)
        return None
    return n


@app.activity_trigger(input_name="entry")
def record_generation(entry: dict) -> int:
    with open(Path(os.environ["CONFORMANCE_LOG_DIR"]) / "generations.txt", "a", encoding="utf-8") as handle:
        handle.write(f"{entry['instance']} {entry['n']}\n")
    return entry["n"]
