"""call_activity_with_retry: an activity that always fails and one that fails once."""

import fcntl
import os
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def _attempt(key: str) -> int:
    """Count attempts per key in CONFORMANCE_LOG_DIR (works across threads and processes)."""
    path = Path(os.environ["CONFORMANCE_LOG_DIR"]) / f"attempts-{key}.txt"
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        count = len(handle.read().splitlines()) + 1
        handle.write(f"{count}\n")
    return count


@app.orchestration_trigger(context_name="context")
def retry_always(context: df.DurableOrchestrationContext):
    try:
        yield context.call_activity_with_retry("always_fail", df.RetryOptions(1000, 3), context.instance_id)
    except Exception as exc:
        return str(exc)
    return "unexpected success"


@app.orchestration_trigger(context_name="context")
def retry_second(context: df.DurableOrchestrationContext):
    retry = df.RetryOptions(1000, 3)
    value = yield context.call_activity_with_retry("fail_first", retry, context.instance_id)
    return value


@app.activity_trigger(input_name="key")
def always_fail(key: str) -> str:
    attempt = _attempt(f"always-{key}")
    raise RuntimeError(f"attempt {attempt} failed")


@app.activity_trigger(input_name="key")
def fail_first(key: str) -> str:
    attempt = _attempt(f"first-{key}")
    if attempt == 1:
        raise RuntimeError("first attempt fails")
    return f"ok on attempt {attempt}"
