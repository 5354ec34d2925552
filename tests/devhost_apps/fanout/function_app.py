"""Fan-out/fan-in with completions that arrive out of order."""

import time

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

# Value and real seconds each activity sleeps: completion order is c, a, b.
PLAN = [("a", 0.3), ("b", 0.8), ("c", 0.0)]


@app.orchestration_trigger(context_name="context")
def fan(context: df.DurableOrchestrationContext):
    tasks = [context.call_activity("echo_after", {"value": v, "delay": d}) for v, d in PLAN]
    results = yield context.task_all(tasks)
    return results


@app.orchestration_trigger(context_name="context")
def fan_first(context: df.DurableOrchestrationContext):
    slow = context.call_activity("echo_after", {"value": "slow", "delay": 0.8})
    fast = context.call_activity("echo_after", {"value": "fast", "delay": 0.0})
    winner = yield context.task_any([slow, fast])
    return winner.result


@app.activity_trigger(input_name="job")
def echo_after(job: dict) -> str:
    time.sleep(job["delay"])
    return job["value"]
