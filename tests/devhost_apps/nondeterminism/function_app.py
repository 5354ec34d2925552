"""An orchestrator whose code path depends on an environment variable (a determinism bug)."""

import os
from datetime import timedelta

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def nd(context: df.DurableOrchestrationContext):
    # The bug under test: reading the environment inside an orchestrator.
    branch = os.environ.get("ND_BRANCH", "a")
    if branch == "timer":
        yield context.create_timer(context.current_utc_datetime + timedelta(minutes=1))
        first = "timer"
    else:
        first = yield context.call_activity(f"step_{branch}", "first")
    go = yield context.wait_for_external_event("go")
    second = yield context.call_activity("step_b", "second")
    return [first, go, second]


@app.activity_trigger(input_name="text")
def step_a(text: str) -> str:
    return f"a:{text}"


@app.activity_trigger(input_name="text")
def step_b(text: str) -> str:
    return f"b:{text}"
