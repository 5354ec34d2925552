"""host.json defaultVersion "2.0" with versionFailureStrategy Fail."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def report_version(context: df.DurableOrchestrationContext):
    """Returns the version this instance was created with."""
    return context.version
