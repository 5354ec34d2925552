"""host.json functionTimeout of one second: a three-second activity times out."""

import time

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def too_slow(context: df.DurableOrchestrationContext):
    try:
        yield context.call_activity("sleep_for", 3)
    except Exception as exc:
        return f"failed: {exc}"
    return "finished"


@app.activity_trigger(input_name="seconds")
def sleep_for(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"
