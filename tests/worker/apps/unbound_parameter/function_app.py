"""Refused by the worker: a parameter no binding declares."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="extra", methods=["GET"])
def extra(req: func.HttpRequest, verbose: bool) -> func.HttpResponse:
    return func.HttpResponse(str(verbose))
