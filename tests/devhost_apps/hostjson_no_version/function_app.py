"""A minimal app whose host.json the host refuses (see host.json)."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def hello(context: df.DurableOrchestrationContext):
    """Never runs: the host does not start."""
    return "hello"
