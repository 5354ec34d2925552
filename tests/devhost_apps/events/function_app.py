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
    yield context.call_activity("slow", 2.0)  # long enough that the test raises E while it runs
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


@app.orchestration_trigger(context_name="context")
def challenge(context: df.DurableOrchestrationContext):
    # Human-interaction pattern: the same expiry timer joins several task_any rounds.
    expiry = context.create_timer(context.current_utc_datetime + timedelta(seconds=90))
    answer = context.wait_for_external_event("Answer")
    for attempt in range(1, 4):
        winner = yield context.task_any([answer, expiry])
        if winner == expiry:
            return "expired"
        if answer.result == 1234:
            expiry.cancel()
            return f"verified on attempt {attempt}"
        answer = context.wait_for_external_event("Answer")
    expiry.cancel()
    return "too many attempts"


@app.orchestration_trigger(context_name="context")
def monitor(context: df.DurableOrchestrationContext):
    # Monitor pattern: poll with an activity, sleep on a durable timer, until done or expired.
    expiry = context.current_utc_datetime + timedelta(hours=6)
    polls = 0
    while context.current_utc_datetime < expiry:
        state = yield context.call_activity("check_job", polls)
        polls += 1
        if state == "done":
            return {"polls": polls, "at": context.current_utc_datetime.isoformat()}
        yield context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    return {"polls": polls, "at": "expired"}


@app.activity_trigger(input_name="poll")
def check_job(poll: int) -> str:
    return "done" if poll >= 3 else "running"
