"""Empty routePrefix, hub name from an app setting, settings read from the environment."""

import os

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello/{id:guid}", methods=["GET"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"{os.environ.get('GREETING')} {req.route_params['id']}")


@app.route(route="range/{n:int:min(5)}", methods=["GET"])
def in_range(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params["n"])


@app.route(route="start", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, context: func.Context
) -> func.HttpResponse:
    instance_id = await client.start_new("settings_orchestrator", None, None)
    response = client.create_check_status_response(req, instance_id)
    response.headers["X-Invocation"] = context.invocation_id
    return response


@app.orchestration_trigger(context_name="context")
def settings_orchestrator(context: df.DurableOrchestrationContext):
    greeting = yield context.call_activity("read_setting", "GREETING")
    return greeting


@app.activity_trigger(input_name="name")
def read_setting(name: str) -> str | None:
    return os.environ.get(name)
