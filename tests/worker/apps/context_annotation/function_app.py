"""Refused by the worker: ``context`` annotated with something else than ``azure.functions.Context``."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="ctx", methods=["GET"])
def ctx(req: func.HttpRequest, context: dict) -> func.HttpResponse:
    return func.HttpResponse("ctx")
