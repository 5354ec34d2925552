"""A WSGI application (no framework) served through func.WsgiFunctionApp."""

import json

import azure.functions as func


def wsgi_app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode() if length else ""
    payload = {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ.get("QUERY_STRING", ""),
        "body": body,
    }
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Wsgi", "yes")])
    return [json.dumps(payload).encode()]


app = func.WsgiFunctionApp(app=wsgi_app, http_auth_level=func.AuthLevel.ANONYMOUS)
