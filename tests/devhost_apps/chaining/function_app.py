"""Function chaining, the replay flag, an HTTP starter and a 24-hour durable timer."""

import os
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def _record(file_name: str, line: str) -> None:
    """Append a line to a file in CONFORMANCE_LOG_DIR so tests can count invocations."""
    log_dir = os.environ.get("CONFORMANCE_LOG_DIR")
    if log_dir:
        with open(Path(log_dir) / file_name, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


@app.route(route="orchestrators/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_json() if req.get_body() else None
    instance_id = await client.start_new(req.route_params["name"], None, body)
    return client.create_check_status_response(req, instance_id)


@app.orchestration_trigger(context_name="context")
def seq(context: df.DurableOrchestrationContext):
    # Deliberately impure: one line per orchestrator invocation (replay count).
    _record("seq-invocations.txt", context.instance_id)
    tokyo = yield context.call_activity("hello", "Tokyo")
    seattle = yield context.call_activity("hello", {"city": "Seattle"})
    return [tokyo, seattle]


@app.orchestration_trigger(context_name="context")
def seq_flags(context: df.DurableOrchestrationContext):
    flags = [context.is_replaying]
    yield context.call_activity("hello", "Tokyo")
    flags.append(context.is_replaying)
    yield context.call_activity("hello", "London")
    flags.append(context.is_replaying)
    return flags


@app.orchestration_trigger(context_name="context")
def echo_input(context: df.DurableOrchestrationContext):
    value = context.get_input()
    yield context.call_activity("hello", "Input")
    return {"input": value, "type": type(value).__name__}


@app.orchestration_trigger(context_name="context")
def day_long_wait(context: df.DurableOrchestrationContext):
    started = context.current_utc_datetime
    yield context.create_timer(started + timedelta(hours=24))
    return {"started": started.isoformat(), "resumed": context.current_utc_datetime.isoformat()}


@app.activity_trigger(input_name="name")
def hello(name) -> str:
    city = name["city"] if isinstance(name, dict) else name
    return f"Hello {city}"
