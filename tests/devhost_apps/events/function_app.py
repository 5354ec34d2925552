"""External events: races with a timer, early events, event loops, waiting instances."""

import time
from datetime import timedelta

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def race_cancel(context: df.DurableOrchestrationContext):
    timer = context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    approval = context.wait_for_external_event("Approval")
    winner = yield context.task_any([timer, approval])
    if winner == approval:
        timer.cancel()
        return {"approved": approval.result}
    return "timeout"


@app.orchestration_trigger(context_name="context")
def race_nocancel(context: df.DurableOrchestrationContext):
    timer = context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    approval = context.wait_for_external_event("Approval")
    winner = yield context.task_any([timer, approval])
    if winner == approval:
        return {"approved": approval.result}
    return "timeout"


@app.orchestration_trigger(context_name="context")
def early(context: df.DurableOrchestrationContext):
    yield context.call_activity("slow", 1.0)
    first = yield context.wait_for_external_event("E")
    second = yield context.wait_for_external_event("E")
    return [first, second]


@app.orchestration_trigger(context_name="context")
def collect(context: df.DurableOrchestrationContext):
    items = []
    for _ in range(3):
        item = yield context.wait_for_external_event("Item")
        items.append(item)
    return items


@app.orchestration_trigger(context_name="context")
def wait_go(context: df.DurableOrchestrationContext):
    context.set_custom_status({"waiting": "go"})
    payload = yield context.wait_for_external_event("go")
    context.set_custom_status({"waiting": None})
    return {"input": context.get_input(), "go": payload}


@app.orchestration_trigger(context_name="context")
def ticking(context: df.DurableOrchestrationContext):
    # Two one-hour timers then an activity: suspend/resume and terminate happen in between.
    yield context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    yield context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    done = yield context.call_activity("slow", 0.0)
    return done


@app.activity_trigger(input_name="seconds")
def slow(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"
