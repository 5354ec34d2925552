"""host.json overridableExistingInstanceStates = AnyState: a start may replace a running instance."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def wait_go(context: df.DurableOrchestrationContext):
    payload = yield context.wait_for_external_event("go")
    return {"input": context.get_input(), "go": payload}
