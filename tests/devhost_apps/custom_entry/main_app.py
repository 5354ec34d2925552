"""The entry file named by PYTHON_SCRIPT_FILE_NAME."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="whoami", methods=["GET"])
def whoami(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("main_app")


@app.orchestration_trigger(context_name="context")
def greet(context: df.DurableOrchestrationContext):
    text = yield context.call_activity("greet_activity", context.get_input())
    return text


@app.activity_trigger(input_name="name")
def greet_activity(name: str) -> str:
    return f"hi {name}"
