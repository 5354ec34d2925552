"""Twin apps: same entry file name and same local module name (helpers.py), different content."""

import azure.durable_functions as df
import azure.functions as func
import helpers

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="who", methods=["GET"])
def who(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(helpers.NAME)


@app.orchestration_trigger(context_name="context")
def who_orchestrator(context: df.DurableOrchestrationContext):
    name = yield context.call_activity("who_activity", None)
    return [helpers.NAME, name]


@app.activity_trigger(input_name="unused")
def who_activity(unused) -> str:
    # Imported at call time: resolved through sys.modules while this app's code runs.
    import helpers as late

    return late.NAME
