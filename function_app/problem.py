"""RFC 9457 ``application/problem+json`` responses shared by every HTTP route.

Every 4xx/5xx the app answers is a problem document, so callers (Logic Apps,
the CLI, schemathesis) can rely on one error shape.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import azure.functions as func

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(
    status: int,
    title: str,
    detail: str | None = None,
    errors: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Build the problem document as a dict.

    Args:
        status: HTTP status code.
        title: short, human-readable summary of the problem type.
        detail: explanation specific to this occurrence.
        errors: every individual reason (e.g. all validation failures at once).
        **extra: extension members (e.g. ``instanceId``); ``None`` values are dropped.

    Returns:
        The problem document.
    """
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = list(errors)
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    errors: list[str] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> func.HttpResponse:
    """Answer with an ``application/problem+json`` response.

    Args:
        status: HTTP status code.
        title: summary; defaults to the standard reason phrase of ``status``.
        detail: explanation specific to this occurrence.
        errors: every individual reason.
        headers: extra response headers (e.g. ``Retry-After``, ``Location``).
        **extra: extension members added to the document.

    Returns:
        The HTTP response.
    """
    title = title or HTTPStatus(status).phrase
    body = problem_body(status, title, detail, errors, **extra)
    return func.HttpResponse(
        json.dumps(body),
        status_code=status,
        mimetype=PROBLEM_CONTENT_TYPE,
        headers=dict(headers or {}),
    )


def unknown_run(instance_id: str) -> func.HttpResponse:
    """The one 404 every route answers for a run id the task hub does not know."""
    return problem(404, "Unknown failback run", f"No failback run {instance_id!r}.")
