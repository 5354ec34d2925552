"""Steps with visible side effects, for kill -9 and restart: a, timer, slow b, c."""

import os
import time
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def _effect(line: str) -> None:
    with open(Path(os.environ["CONFORMANCE_LOG_DIR"]) / "effects.txt", "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


@app.route(route="start", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = await client.start_new("steps", None, req.get_json())
    return client.create_check_status_response(req, instance_id)


@app.orchestration_trigger(context_name="context")
def steps(context: df.DurableOrchestrationContext):
    plan = context.get_input()
    tag = context.instance_id
    a = yield context.call_activity("effect", f"{tag} a")
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=plan["timer"]))
    b = yield context.call_activity("slow_effect", {"line": f"{tag} b", "seconds": plan["slow"]})
    c = yield context.call_activity("effect", f"{tag} c")
    return [a, b, c]


@app.activity_trigger(input_name="line")
def effect(line: str) -> str:
    _effect(line)
    return line


@app.activity_trigger(input_name="job")
def slow_effect(job: dict) -> str:
    _effect(f"{job['line']} started")
    time.sleep(job["seconds"])
    _effect(job["line"])
    return job["line"]


@app.route(route="start-gate", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start_gate(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = await client.start_new("gate", None, None)
    return client.create_check_status_response(req, instance_id)


@app.orchestration_trigger(context_name="context")
def gate(context: df.DurableOrchestrationContext):
    tag = context.instance_id
    yield context.call_activity("effect", f"{tag} a")
    decision = yield context.wait_for_external_event("go")
    yield context.call_activity("effect", f"{tag} c")
    return decision
