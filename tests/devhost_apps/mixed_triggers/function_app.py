"""An app with a timer trigger next to HTTP and durable functions (func start serves it all)."""

import os
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.timer_trigger(schedule="0 0 3 * * *", arg_name="timer", run_on_startup=False)
def nightly(timer: func.TimerRequest) -> None:
    log_dir = os.environ.get("CONFORMANCE_LOG_DIR")
    if log_dir:
        with open(Path(log_dir) / "nightly.txt", "a", encoding="utf-8") as handle:
            handle.write(f"past_due={timer.past_due}\n")


@app.route(route="ping", methods=["GET"])
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong")


@app.orchestration_trigger(context_name="context")
def hello_orchestrator(context: df.DurableOrchestrationContext):
    result = yield context.call_activity("hello_activity", "mixed")
    return result


@app.activity_trigger(input_name="name")
def hello_activity(name: str) -> str:
    return f"hello {name}"
