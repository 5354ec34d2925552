"""Accepted by the worker: ``typing`` generics and plain classes on bindings."""

import typing

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.activity_trigger(input_name="payload")
def typed_activity(payload: typing.Dict[str, typing.Any]) -> dict:  # noqa: UP006 - the worker's accepted form
    return dict(payload)


@app.route(route="ping", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong")
