"""Sub-orchestrations: success, failure, and retry with a child that fails once."""

import fcntl
import os
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def parent_ok(context: df.DurableOrchestrationContext):
    child = yield context.call_sub_orchestrator("child", "x")
    named = yield context.call_sub_orchestrator("child", "y", f"{context.instance_id}-named")
    return {"child": child, "named": named}


@app.orchestration_trigger(context_name="context")
def child(context: df.DurableOrchestrationContext):
    greeting = yield context.call_activity("shout", context.get_input())
    return {
        "input": context.get_input(),
        "parent": context.parent_instance_id,
        "id": context.instance_id,
        "greeting": greeting,
    }


@app.orchestration_trigger(context_name="context")
def parent_fail(context: df.DurableOrchestrationContext):
    try:
        yield context.call_sub_orchestrator("kid", None)
    except Exception as exc:
        return str(exc)
    return "unexpected success"


@app.orchestration_trigger(context_name="context")
def kid(context: df.DurableOrchestrationContext):
    yield context.call_activity("shout", "before")
    raise ValueError("boom")


@app.orchestration_trigger(context_name="context")
def parent_retry(context: df.DurableOrchestrationContext):
    result = yield context.call_sub_orchestrator_with_retry(
        "flaky_kid", df.RetryOptions(1000, 3), context.instance_id
    )
    return result


@app.orchestration_trigger(context_name="context")
def flaky_kid(context: df.DurableOrchestrationContext):
    attempt = yield context.call_activity("bump", context.get_input())
    if attempt < 2:
        raise ValueError(f"kid attempt {attempt} failed")
    return f"kid ok on attempt {attempt}"


@app.activity_trigger(input_name="text")
def shout(text: str) -> str:
    return f"{text}!".upper()


@app.activity_trigger(input_name="key")
def bump(key: str) -> int:
    path = Path(os.environ["CONFORMANCE_LOG_DIR"]) / f"bump-{key}.txt"
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        count = len(handle.read().splitlines()) + 1
        handle.write(f"{count}\n")
    return count


@app.orchestration_trigger(context_name="context")
def parent_with_gate(context: df.DurableOrchestrationContext):
    gate_id = f"{context.instance_id}:gate:approve"
    decision = yield context.call_sub_orchestrator("gate_child", {"gate": "approve"}, gate_id)
    return {"gate": gate_id, "decision": decision}


@app.orchestration_trigger(context_name="context")
def gate_child(context: df.DurableOrchestrationContext):
    timeout = context.create_timer(context.current_utc_datetime + timedelta(hours=24))
    decision = context.wait_for_external_event("ApprovalDecision")
    winner = yield context.task_any([timeout, decision])
    if winner == decision:
        timeout.cancel()
        return decision.result
    return {"decision": "timeout"}


@app.orchestration_trigger(context_name="context")
def parent_rewind(context: df.DurableOrchestrationContext):
    result = yield context.call_sub_orchestrator(
        "child_rewind", context.instance_id, f"{context.instance_id}-c"
    )
    return result


@app.orchestration_trigger(context_name="context")
def child_rewind(context: df.DurableOrchestrationContext):
    value = yield context.call_activity("fails_first_time", context.get_input())
    return value


@app.activity_trigger(input_name="key")
def fails_first_time(key: str) -> str:
    attempt = bump(f"rewind-{key}")
    if attempt == 1:
        raise RuntimeError("first call fails")
    return f"ok on call {attempt}"
