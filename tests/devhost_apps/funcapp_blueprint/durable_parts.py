"""Durable functions as a blueprint; the HTTP starter inherits the app's auth level."""

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()


@bp.route(route="startRun")
@bp.durable_client_input(client_name="client")
async def start_run(req: func.HttpRequest, client) -> func.HttpResponse:
    instance_id = await client.start_new("tour", client_input=req.params.get("first", "Oslo"))
    return client.create_check_status_response(req, instance_id)


@bp.orchestration_trigger(context_name="context")
def tour(context: df.DurableOrchestrationContext):
    first = yield context.call_activity("visit", context.get_input())
    second = yield context.call_activity("visit", "Lima")
    return [first, second]


@bp.activity_trigger(input_name="city")
def visit(city: str) -> str:
    return f"Visited {city}"
