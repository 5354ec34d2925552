"""JSON read from requests and from durable statuses, the same way on every route."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

from domain.i18n import N_
from function_app.problem import language, problem


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


#: No request of this API nests deeper; a deeper body is refused before anything walks it.
MAX_DEPTH = 32


def nesting_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (iteratively: a hostile body cannot recurse)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict | list):
            deepest = max(deepest, depth)
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def parse_json(raw: bytes, lang: str | None = None) -> Any | func.HttpResponse:
    """Any JSON body, or the 400 problem to answer in ``lang`` (invalid, or deeper than ``MAX_DEPTH``)."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # the decoder recurses: a very deep body is a RecursionError
        return problem(
            400,
            N_("Invalid JSON"),
            N_("The body is not valid JSON."),
            errors=["body: not valid JSON"],
            lang=lang,
        )
    if nesting_depth(body) > MAX_DEPTH:
        return problem(
            400,
            N_("Invalid JSON"),
            N_("The body nests deeper than %(max)s levels."),
            errors=["body: too deep"],
            lang=lang,
            args={"max": MAX_DEPTH},
        )
    return body


def read_json_object(req: func.HttpRequest) -> dict[str, Any] | func.HttpResponse:
    """The request body as a JSON object (an empty body is ``{}``), or the 400 problem to answer.

    Returns:
        The body, or an ``application/problem+json`` response naming what is wrong.
    """
    raw = req.get_body() or b""
    if not raw.strip():
        return {}
    body = parse_json(raw, language(req))
    if isinstance(body, func.HttpResponse):
        return body
    if not isinstance(body, dict):
        return problem(400, N_("Invalid request"), errors=["body: must be a JSON object"], lang=language(req))
    return body
