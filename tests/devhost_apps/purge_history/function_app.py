"""Purging history through the Durable client, with dates chosen by the caller."""

from datetime import datetime

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def quick(context: df.DurableOrchestrationContext):
    """Completes at once."""
    return "done"


@app.route(route="purge", methods=["POST"])
@app.durable_client_input(client_name="client")
async def purge(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Purges finished instances created since ``?since=`` (ISO 8601), or since the beginning of time."""
    since = datetime.fromisoformat(req.params["since"]) if req.params.get("since") else datetime.min
    try:
        result = await client.purge_instance_history_by(
            created_time_from=since,
            runtime_status=[
                df.OrchestrationRuntimeStatus.Completed,
                df.OrchestrationRuntimeStatus.Failed,
                df.OrchestrationRuntimeStatus.Terminated,
            ],
        )
    except Exception as exc:  # the client raises on an unexpected status code
        return func.HttpResponse(f"Purge failed: {exc}", status_code=500)
    return func.HttpResponse(f"Purged {result.instances_deleted} records", status_code=200)
