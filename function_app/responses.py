"""Successful HTTP responses: JSON bodies and HTML pages (errors are ``function_app.problem``)."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

from function_app.templates import page_headers


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


def html_response(
    html: str, status_code: int = 200, nonce: str | None = None, lang: str | None = None
) -> func.HttpResponse:
    """An HTML response with the page security headers (``nonce``: the page's own script may run)."""
    headers = page_headers(nonce)
    headers["Vary"] = "Accept, Accept-Language"
    if lang:
        headers["Content-Language"] = lang
    return func.HttpResponse(html, status_code=status_code, mimetype="text/html", headers=headers)
