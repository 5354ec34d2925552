"""A smoke orchestration that proves the host runs the app end to end.

``POST /api/smoke`` starts ``smoke_orchestrator``, which calls ``smoke_echo``
twice, waits on a short durable timer and returns the echoes.
"""

from datetime import timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()


@bp.route(route="smoke", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def smoke_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Start the smoke orchestration and answer with the check-status response."""
    instance_id = await client.start_new("smoke_orchestrator", None, {"greeting": "hello"})
    return client.create_check_status_response(req, instance_id)


@bp.orchestration_trigger(context_name="context")
def smoke_orchestrator(context: df.DurableOrchestrationContext) -> Any:
    """Echo twice around a one-second durable timer."""
    payload = context.get_input() or {}
    first = yield context.call_activity("smoke_echo", payload.get("greeting", "hi"))
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=1))
    second = yield context.call_activity("smoke_echo", "world")
    return [first, second]


@bp.activity_trigger(input_name="text")
def smoke_echo(text: str) -> str:
    """Return the text, upper-cased."""
    return str(text).upper()
