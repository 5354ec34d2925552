"""A tiny Durable app for the devhost's own tests."""

from datetime import timedelta

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="start/{name}/{id?}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_body()
    payload = req.get_json() if body else None
    instance_id = await client.start_new(req.route_params["name"], req.route_params.get("id"), payload)
    return client.create_check_status_response(req, instance_id)


@app.route(route="items/{id:int}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        f'{{"id": {req.route_params["id"]}, "q": "{req.params.get("q", "")}"}}',
        status_code=200,
        mimetype="application/json",
        headers={"X-Item": "yes"},
    )


@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext):
    first = yield context.call_activity("hello", "Tokyo")
    second = yield context.call_activity("hello", {"city": "Seattle"})
    return [first, second]


@app.orchestration_trigger(context_name="context")
def wait_a_day(context: df.DurableOrchestrationContext):
    yield context.create_timer(context.current_utc_datetime + timedelta(days=1))
    done = yield context.call_activity("hello", "later")
    return done


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext):
    timer = context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    event = context.wait_for_external_event("Approval")
    winner = yield context.task_any([timer, event])
    if winner == event:
        timer.cancel()
        return {"approved": event.result}
    return "timeout"


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):
    child = yield context.call_sub_orchestrator("chain", context.get_input())
    return {"child": child, "kids": context.instance_id}


@app.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext):
    try:
        yield context.call_activity_with_retry("flaky", df.RetryOptions(1000, 3), "x")
    except Exception as exc:
        return str(exc)[:80]
    return "no error"


@app.orchestration_trigger(context_name="context")
def boom(context: df.DurableOrchestrationContext):
    yield context.call_activity("hello", "a")
    raise ValueError("kaboom")


@app.activity_trigger(input_name="name")
def hello(name) -> str:
    if isinstance(name, dict):
        name = name["city"]
    return f"Hello {name}"


@app.activity_trigger(input_name="value")
def flaky(value: str) -> str:
    raise RuntimeError("nope")


@app.route(route="ctx", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def ctx(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    body = {
        "function": context.function_name,
        "directory": context.function_directory,
        "invocation": context.invocation_id,
        "traceparent": context.trace_context.trace_parent,
        "params": dict(req.params),
    }
    import json

    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.route(route="queued", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@app.queue_output(arg_name="msg", queue_name="outbox", connection="AzureWebJobsStorage")
def queued(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
    msg.set("a queue message, not the HTTP answer")
    return func.HttpResponse("accepted", status_code=202)
