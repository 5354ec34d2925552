"""A timer trigger that starts an orchestration every hour (devhost tests)."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.schedule(schedule="0 0 * * * *", arg_name="timer", run_on_startup=False)
@app.durable_client_input(client_name="client")
async def hourly(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    await client.start_new("stamp", None, {"pastDue": timer.past_due})


@app.orchestration_trigger(context_name="context")
def stamp(context: df.DurableOrchestrationContext):
    return context.current_utc_datetime.isoformat()
