"""JSON read from requests and from durable statuses, the same way on every route."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

from function_app.problem import problem


def json_object(value: Any) -> dict[str, Any]:
    """The dict a durable status field holds, else ``{}``.

    The durable client hands custom status, input and output back either decoded or
    as JSON text (depending on the host), so both are accepted; anything that is not
    a JSON object counts as empty.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def read_json_object(req: func.HttpRequest) -> dict[str, Any] | func.HttpResponse:
    """The request body as a JSON object (an empty body is ``{}``), or the 400 problem to answer.

    Returns:
        The body, or an ``application/problem+json`` response naming what is wrong.
    """
    raw = req.get_body() or b""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return problem(400, "Invalid JSON", "The body is not valid JSON.", errors=["body: not valid JSON"])
    if not isinstance(body, dict):
        return problem(400, "Invalid request", errors=["body: must be a JSON object"])
    return body
