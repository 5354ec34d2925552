"""HTTP triggers on a plain FunctionApp: routes, constraints, methods, auth, request and response."""

import asyncio
import json
import time

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


def _json(value, status_code: int = 200) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(value), status_code=status_code, mimetype="application/json")


@app.route(route="items/{id:int}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def get_item(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"id": req.route_params["id"], "params": dict(req.route_params)})


@app.route(route="files/{name:alpha}/{version?}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def get_file(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"name": req.route_params.get("name"), "version": req.route_params.get("version")})


@app.route(route="echo", methods=["POST", "PUT"], auth_level=func.AuthLevel.ANONYMOUS)
def echo(req: func.HttpRequest) -> func.HttpResponse:
    try:
        parsed = req.get_json()
    except ValueError:
        parsed = None
    return _json(
        {
            "method": req.method,
            "query": dict(req.params),
            "header": req.headers.get("x-custom-header"),
            "contentType": req.headers.get("Content-Type"),
            "body": req.get_body().decode("utf-8"),
            "json": parsed,
            "url": req.url,
        }
    )


@app.route(route="status/{code:int}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def custom_status(req: func.HttpRequest) -> func.HttpResponse:
    code = int(req.route_params["code"])
    return func.HttpResponse(
        "short and stout", status_code=code, headers={"X-Tea": "earl-grey"}, mimetype="text/plain"
    )


@app.route(route="async/{word}", auth_level=func.AuthLevel.ANONYMOUS)
async def shout_async(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(0.01)
    return func.HttpResponse(req.route_params["word"].upper())


@app.route(auth_level=func.AuthLevel.ANONYMOUS)
def default_route(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("routed by function name")


@app.route(route="secure", methods=["GET"])
def secure(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("function key accepted")


@app.route(route="admin-only", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
def admin_only(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("master key accepted")


@app.route(route="broken", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def broken(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("handler crashed")


@app.route(route="form", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def form(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"form": dict(req.form), "contentType": req.headers.get("content-type")})


@app.route(route="redirect", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def redirect(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(status_code=302, headers={"Location": "/api/items/1"})


@app.route(route="empty", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
def empty(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(status_code=204)


@app.route(route="sleepy", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def sleepy(req: func.HttpRequest) -> func.HttpResponse:
    start = time.time()
    time.sleep(0.5)
    return _json({"start": start, "end": time.time()})


@app.route(route="out-binding", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS, binding_arg_name="res")
def out_binding(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> None:
    res.set(func.HttpResponse("set through func.Out", status_code=202))


@app.route(route="greet/{name=world}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def greet_default(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"hello {req.route_params.get('name')}")


@app.route(route="latin", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def latin(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("café", charset="latin-1")
