"""Refused by the worker: a PEP 604 union as the return annotation of an HTTP function."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="maybe", methods=["GET"])
def maybe(req: func.HttpRequest) -> func.HttpResponse | None:
    return func.HttpResponse("yes")
