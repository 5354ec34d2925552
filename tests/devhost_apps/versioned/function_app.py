"""Orchestration versions with host.json defaultVersion "2.0" (default match/failure strategies)."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def report_version(context: df.DurableOrchestrationContext):
    """Returns the version this instance was created with."""
    return context.version


@app.orchestration_trigger(context_name="context")
def parent_of_versions(context: df.DurableOrchestrationContext):
    """Starts one child without a version and, if asked, one with the version in its input."""
    unversioned = yield context.call_sub_orchestrator("report_version")
    wanted = context.get_input()
    pinned = None
    if wanted is not None:
        pinned = yield context.call_sub_orchestrator("report_version", None, None, wanted)
    return {"parent": context.version, "unversioned": unversioned, "pinned": pinned}


@app.route(route="start/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Starts an orchestration; ``?version=`` is passed on when present."""
    version = req.params.get("version")
    instance_id = await client.start_new(req.route_params["name"], None, None, version)
    return client.create_check_status_response(req, instance_id)
