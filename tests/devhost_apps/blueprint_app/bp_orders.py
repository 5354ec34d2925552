"""Order pricing as a Durable Functions blueprint."""

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()


@bp.route(route="orders", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def start_order(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = await client.start_new("price_order", None, req.get_json())
    return client.create_check_status_response(req, instance_id)


@bp.orchestration_trigger(context_name="context", orchestration="price_order")
def price_order_orchestrator(context: df.DurableOrchestrationContext):
    order = context.get_input()
    prices = yield context.task_all([context.call_activity("price", line) for line in order["lines"]])
    return {"total": sum(prices), "lines": len(prices)}


@bp.activity_trigger(input_name="line", activity="price")
def price_line(line: dict) -> int:
    return line["qty"] * line["unit"]
