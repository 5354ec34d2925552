"""Failure formats: orchestrator raise, activity raise, unknown activity, custom status."""

import fcntl
import os
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def boom(context: df.DurableOrchestrationContext):
    yield context.call_activity("fine", "first")
    raise ValueError("kaboom")


@app.orchestration_trigger(context_name="context")
def catch_flaky(context: df.DurableOrchestrationContext):
    try:
        yield context.call_activity("flaky", None)
    except Exception as exc:
        return str(exc)
    return "unexpected success"


@app.orchestration_trigger(context_name="context")
def uncaught_flaky(context: df.DurableOrchestrationContext):
    result = yield context.call_activity("flaky", None)
    return result


@app.orchestration_trigger(context_name="context")
def unknown_activity(context: df.DurableOrchestrationContext):
    result = yield context.call_activity("no_such_activity", 1)
    return result


@app.orchestration_trigger(context_name="context")
def big_status(context: df.DurableOrchestrationContext):
    context.set_custom_status("x" * 9000)
    yield context.create_timer(context.current_utc_datetime + timedelta(minutes=1))
    return "done"


@app.orchestration_trigger(context_name="context")
def status_steps(context: df.DurableOrchestrationContext):
    context.set_custom_status({"step": 1, "label": "waiting for next"})
    yield context.wait_for_external_event("next")
    context.set_custom_status({"step": 2, "label": "waiting for next again"})
    yield context.wait_for_external_event("next")
    context.set_custom_status({"step": 3, "label": "done"})
    return "finished"


@app.orchestration_trigger(context_name="context")
def rewindable(context: df.DurableOrchestrationContext):
    first = yield context.call_activity("fine", "one")
    second = yield context.call_activity("fails_until_rewound", context.instance_id)
    return [first, second]


@app.activity_trigger(input_name="text")
def fine(text: str) -> str:
    _count(f"fine-{text}")
    return f"fine {text}"


@app.activity_trigger(input_name="unused")
def flaky(unused) -> str:
    raise RuntimeError("nope")


@app.activity_trigger(input_name="key")
def fails_until_rewound(key: str) -> str:
    if _count(f"rewind-{key}") == 1:
        raise RuntimeError("transient failure")
    return "recovered"


def _count(key: str) -> int:
    log_dir = os.environ.get("CONFORMANCE_LOG_DIR")
    if not log_dir:
        return 1
    with open(Path(log_dir) / f"count-{key}.txt", "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        count = len(handle.read().splitlines()) + 1
        handle.write(f"{count}\n")
    return count
