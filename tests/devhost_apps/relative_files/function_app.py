"""Reads a data file by a relative path: the worker's working directory is the app root."""

import os

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="data", methods=["GET"])
def data(req: func.HttpRequest) -> func.HttpResponse:
    with open("data.txt", encoding="utf-8") as handle:
        text = handle.read().strip()
    return func.HttpResponse(f"{text} (cwd={os.path.basename(os.getcwd())})")
