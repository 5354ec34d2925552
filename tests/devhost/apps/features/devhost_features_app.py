"""Durable features beyond the basics, for the devhost's own tests."""

import os
from datetime import timedelta

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    tasks = [context.call_activity("echo", x) for x in ("a", "b", "c")]
    return (yield context.task_all(tasks))


@app.orchestration_trigger(context_name="context")
def counter(context: df.DurableOrchestrationContext):
    n = context.get_input() or 0
    if n >= 2:
        return n
    yield context.create_timer(context.current_utc_datetime + timedelta(minutes=5))
    context.continue_as_new(n + 1)
    return None


@app.orchestration_trigger(context_name="context")
def status_setter(context: df.DurableOrchestrationContext):
    size = context.get_input()
    context.set_custom_status("x" * size)
    yield context.call_activity("echo", "done")
    return "ok"


@app.orchestration_trigger(context_name="context")
def changing(context: df.DurableOrchestrationContext):
    name = os.environ.get("DEVHOST_TEST_ACTIVITY", "echo")
    yield context.call_activity(name, "1")
    yield context.wait_for_external_event("go")
    yield context.call_activity("echo", "2")
    return "done"


@app.orchestration_trigger(context_name="context")
def long_timer(context: df.DurableOrchestrationContext):
    yield context.create_timer(context.current_utc_datetime + timedelta(days=10))
    return context.current_utc_datetime.isoformat()


@app.orchestration_trigger(context_name="context")
def unknown_activity(context: df.DurableOrchestrationContext):
    yield context.call_activity("does_not_exist", None)
    return "unreachable"


@app.orchestration_trigger(context_name="context")
def early_events(context: df.DurableOrchestrationContext):
    yield context.create_timer(context.current_utc_datetime + timedelta(minutes=1))
    a = yield context.wait_for_external_event("E")
    b = yield context.wait_for_external_event("E")
    return [a, b]


@app.orchestration_trigger(context_name="context")
def uses_entity(context: df.DurableOrchestrationContext):
    entity = df.EntityId("tally", "k1")
    context.signal_entity(entity, "add", 5)
    total = yield context.call_entity(entity, "add", 2)
    return total


@app.entity_trigger(context_name="context")
def tally(context: df.DurableEntityContext):
    current = context.get_state(lambda: 0)
    if context.operation_name == "add":
        current += context.get_input()
    context.set_state(current)
    context.set_result(current)


@app.activity_trigger(input_name="value")
def echo(value: str) -> str:
    return value


@app.activity_trigger(input_name="value")
async def slow_echo(value: str) -> str:
    return value


@app.route(route="ping", methods=["GET"])
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong", headers={"X-Pinged": req.params.get("who", "")})


@app.orchestration_trigger(context_name="context")
def http_caller(context: df.DurableOrchestrationContext):
    response = yield context.call_http("GET", context.get_input())
    return {"status": response["statusCode"], "content": response["content"]}


@app.orchestration_trigger(context_name="context")
def sub_retry(context: df.DurableOrchestrationContext):
    try:
        yield context.call_sub_orchestrator_with_retry("failing_child", df.RetryOptions(500, 2), "in")
    except Exception as exc:
        return str(exc)
    return "no error"


@app.orchestration_trigger(context_name="context")
def failing_child(context: df.DurableOrchestrationContext):
    yield context.call_activity("echo", context.get_input())
    raise ValueError("child broke")


@app.orchestration_trigger(context_name="context")
def rewind_parent(context: df.DurableOrchestrationContext):
    result = yield context.call_sub_orchestrator("rewind_child", "in")
    return result


@app.orchestration_trigger(context_name="context")
def rewind_child(context: df.DurableOrchestrationContext):
    first = yield context.call_activity("echo", "kept")
    second = yield context.call_activity("fails_until_fixed", "again")
    return [first, second]


@app.activity_trigger(input_name="value")
def fails_until_fixed(value: str) -> str:
    if os.environ.get("DEVHOST_TEST_FIXED") != "yes":
        raise RuntimeError("not yet")
    return value


@app.orchestration_trigger(context_name="context")
def versioned(context: df.DurableOrchestrationContext):
    child = yield context.call_sub_orchestrator("version_of", None, None, "2.1")
    return [context.version, child]


@app.orchestration_trigger(context_name="context")
def version_of(context: df.DurableOrchestrationContext):
    return context.version
    yield  # a generator, like every orchestrator


@app.orchestration_trigger(context_name="context")
def accumulate(context: df.DurableOrchestrationContext):
    total = context.get_input() or 0
    value = yield context.wait_for_external_event("add")
    total += value
    if total >= 6:
        return total
    context.continue_as_new(total)
    return None


@app.orchestration_trigger(context_name="context")
def fails_after_race(context: df.DurableOrchestrationContext):
    first = context.call_activity("echo", "first")
    yield first
    # `first` is already done, so the race resolves in the same replay and the code raises;
    # the new `record` activity was issued all the same.
    yield context.task_any([first, context.call_activity("record", "runs anyway")])
    raise ValueError("gave up")


@app.activity_trigger(input_name="value")
def record(value: str) -> str:
    path = os.environ.get("DEVHOST_TEST_RECORD")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(value + "\n")
    return value
