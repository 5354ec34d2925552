"""Successful HTTP responses: JSON bodies and HTML pages (errors are ``function_app.problem``)."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

from function_app.templates import PAGE_HEADERS


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    """An ``application/json`` response.

    Args:
        body: anything ``json.dumps`` accepts.
        status: HTTP status code.
        headers: extra response headers (e.g. ``Location``, ``Retry-After``).
    """
    return func.HttpResponse(
        json.dumps(body), status_code=status, mimetype="application/json", headers=headers
    )


def html_response(html: str, status_code: int = 200) -> func.HttpResponse:
    """An HTML response with the page security headers."""
    return func.HttpResponse(html, status_code=status_code, mimetype="text/html", headers=dict(PAGE_HEADERS))
