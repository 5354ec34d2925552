"""Less common SDK features a third-party app may use."""

import asyncio
import json
from datetime import datetime, timedelta

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


class Point:
    """A custom class crossing the activity boundary through to_json/from_json."""

    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y

    @staticmethod
    def to_json(obj: "Point") -> str:
        return json.dumps({"x": obj.x, "y": obj.y})

    @staticmethod
    def from_json(text: str) -> "Point":
        data = json.loads(text)
        return Point(data["x"], data["y"])


@app.orchestration_trigger(context_name="context")
def uuids(context: df.DurableOrchestrationContext):
    # new_uuid() depends on instance id and current_utc_datetime: stable only if the host
    # replays the same OrchestratorStarted timestamps.
    first = context.new_uuid()
    echoed = yield context.call_activity("echo", first)
    second = context.new_uuid()
    yield context.create_timer(context.current_utc_datetime + timedelta(minutes=5))
    return {"first": first, "echoed": echoed, "second": second, "again": context.new_uuid()}


@app.orchestration_trigger(context_name="context")
def clock_reads(context: df.DurableOrchestrationContext):
    started = context.current_utc_datetime
    echoed = yield context.call_activity("echo", started.isoformat())
    yield context.create_timer(started + timedelta(hours=2))
    return {
        "started": started.isoformat(),
        "echoed": echoed,
        "after": context.current_utc_datetime.isoformat(),
    }


@app.orchestration_trigger(context_name="context")
def http_call(context: df.DurableOrchestrationContext):
    response = yield context.call_http("GET", context.get_input())
    return {"statusCode": response["statusCode"], "content": response["content"]}


@app.orchestration_trigger(context_name="context")
def points(context: df.DurableOrchestrationContext):
    moved = yield context.call_activity("move_point", Point(1, 2))
    return {"x": moved.x, "y": moved.y, "type": type(moved).__name__}


@app.orchestration_trigger(context_name="context")
def odd_activities(context: df.DurableOrchestrationContext):
    nothing = yield context.call_activity("returns_none", "ignored")
    waited = yield context.call_activity("async_activity", 3)
    renamed = yield context.call_activity("renamed_activity", "x")
    return {"nothing": nothing, "waited": waited, "renamed": renamed}


@app.function_name(name="renamed_orchestrator")
@app.orchestration_trigger(context_name="context")
def orchestrator_with_function_name(context: df.DurableOrchestrationContext):
    value = yield context.call_activity("echo", "named")
    return value


@app.orchestration_trigger(context_name="context")
def first_of_many(context: df.DurableOrchestrationContext):
    tasks = [context.call_activity("echo", str(i)) for i in range(5)]
    results = yield context.task_all(tasks)
    best = yield context.task_any(
        [context.wait_for_external_event("A"), context.wait_for_external_event("B")]
    )
    return {"all": results, "event": best.result}


@app.activity_trigger(input_name="value")
def echo(value):
    return value


@app.activity_trigger(input_name="point")
def move_point(point: Point) -> Point:
    return Point(point.x + 10, point.y + 20)


@app.activity_trigger(input_name="unused")
def returns_none(unused) -> None:
    return None


@app.activity_trigger(input_name="n")
async def async_activity(n: int) -> int:
    await asyncio.sleep(0.01)
    return n * 2


@app.function_name(name="renamed_activity")
@app.activity_trigger(input_name="text")
def activity_with_function_name(text: str) -> str:
    return f"renamed {text}"


@app.route(route="plain/{*rest}", methods=["GET"])
def catch_all(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"rest={req.route_params.get('rest')}")


@app.route(route="text-return", methods=["GET"])
def text_return(req: func.HttpRequest) -> str:
    return "a plain string"


@app.route(route="multi", methods=["GET"])
def multi_header(req: func.HttpRequest) -> func.HttpResponse:
    response = func.HttpResponse(b"\x00\x01binary", status_code=201, mimetype="application/octet-stream")
    response.headers["X-One"] = "1"
    response.headers["X-Two"] = "2"
    return response


@app.route(route="wait/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start_and_wait(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = await client.start_new(req.route_params["name"], None, None)
    return await client.wait_for_completion_or_create_check_status_response(req, instance_id, 20000, 200)


@app.orchestration_trigger(context_name="context")
def ten_day_timer(context: df.DurableOrchestrationContext):
    started = context.current_utc_datetime
    yield context.create_timer(started + timedelta(days=10))
    return {"started": started.isoformat(), "resumed": context.current_utc_datetime.isoformat()}


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
def no_yields(context: df.DurableOrchestrationContext):
    return f"no yields for {context.get_input()}"


@app.orchestration_trigger(context_name="context")
def empty_error(context: df.DurableOrchestrationContext):
    yield context.call_activity("echo", "before")
    raise ValueError()


@app.orchestration_trigger(context_name="context")
def unserializable_output(context: df.DurableOrchestrationContext):
    yield context.call_activity("echo", "before")
    return {1, 2}


@app.orchestration_trigger(context_name="context")
def unserializable_activity(context: df.DurableOrchestrationContext):
    try:
        yield context.call_activity("returns_a_set", None)
    except Exception as exc:
        return str(exc)
    return "unexpected success"


@app.orchestration_trigger(context_name="context")
def activity_context(context: df.DurableOrchestrationContext):
    name = yield context.call_activity("with_context", "x")
    return name


@app.activity_trigger(input_name="unused")
def returns_a_set(unused) -> set:
    return {1, 2}


@app.activity_trigger(input_name="payload")
def with_context(payload: str, context: func.Context) -> dict:
    return {
        "function": context.function_name,
        "hasInvocationId": bool(context.invocation_id),
        "payload": payload,
    }


@app.orchestration_trigger(context_name="context")
def big_payload(context: df.DurableOrchestrationContext):
    blob = yield context.call_activity("make_blob", context.get_input())
    return {"length": len(blob), "head": blob[:3]}


@app.activity_trigger(input_name="size")
def make_blob(size: int) -> str:
    return "abc" * (size // 3)


@app.orchestration_trigger(context_name="context")
def naive_timer(context: df.DurableOrchestrationContext):
    # A common bug: a naive datetime. On Azure current_utc_datetime is tz-aware, so this fails.
    yield context.create_timer(datetime(2030, 1, 1))
    return "unreachable on Azure"


@app.orchestration_trigger(context_name="context")
def event_names(context: df.DurableOrchestrationContext):
    first = yield context.wait_for_external_event("Approval Decision")
    second = yield context.wait_for_external_event("承認")
    return [first, second]


@app.orchestration_trigger(context_name="context")
def which_version(context: df.DurableOrchestrationContext):
    child = yield context.call_sub_orchestrator("child_version", None, None, "3.0")
    return {"own": context.version, "child": child}


@app.orchestration_trigger(context_name="context")
def child_version(context: df.DurableOrchestrationContext):
    return context.version
