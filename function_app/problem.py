"""RFC 9457 ``application/problem+json`` responses shared by every HTTP route.

Every 4xx/5xx the app answers is a problem document, so callers (Logic Apps,
the CLI, schemathesis) can rely on one error shape. ``title`` and ``detail`` are catalog ids
(``%(name)s`` placeholders filled from ``args``): with the caller's language (:func:`language`,
from ``?lang=`` or ``Accept-Language``) they are answered translated, with ``Content-Language``.
Members meant for programs (``code``, ``errors``' field paths) stay as they are.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import azure.functions as func

from domain import i18n

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


def language(req: func.HttpRequest | None) -> str:
    """The caller's language: ``?lang=``, else ``Accept-Language``, else ``FAILBACK_LANGUAGE``."""
    if req is None:
        return i18n.configured_language()
    return i18n.negotiate(req.headers.get("accept-language"), req.params.get("lang"))


def problem(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    errors: list[str] | None = None,
    headers: dict[str, str] | None = None,
    *,
    lang: str | None = None,
    args: dict[str, Any] | None = None,
    error_messages: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> func.HttpResponse:
    """Answer with an ``application/problem+json`` response.

    Args:
        status: HTTP status code.
        title: summary (a catalog id); defaults to the standard reason phrase of ``status``.
        detail: explanation specific to this occurrence (a catalog id, ``%(name)s`` from ``args``).
        errors: every individual reason.
        headers: extra response headers (e.g. ``Retry-After``, ``Location``).
        lang: the language to answer in (``None``: English).
        args: the values of ``detail``'s (and ``title``'s) placeholders.
        error_messages: ``errors`` as catalog messages: answered as ``localizedErrors`` in ``lang``
            (``errors`` stays English: programs read it).
        **extra: extension members added to the document.

    Returns:
        The HTTP response.
    """
    chosen = i18n.normalize(lang) or i18n.DEFAULT_LANGUAGE
    title = i18n.localized(i18n.message(title or HTTPStatus(status).phrase, **(args or {})), chosen)
    if detail is not None:
        detail = i18n.localized(i18n.message(detail, **(args or {})), chosen)
    if error_messages is not None:
        extra["localizedErrors"] = [i18n.localized(m, chosen) for m in error_messages]
    body = problem_body(status, title, detail, errors, **extra)
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        mimetype=PROBLEM_CONTENT_TYPE,
        charset="utf-8",
        headers={"Content-Language": chosen, **dict(headers or {})},
    )


def unknown_run(instance_id: str, lang: str | None = None) -> func.HttpResponse:
    """The one 404 every route answers for a run id the task hub does not know."""
    return problem(
        404,
        i18n.N_("Unknown failback run"),
        i18n.N_("No failback run %(run)s."),
        lang=lang,
        args={"run": repr(instance_id)},
    )
