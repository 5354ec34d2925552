"""``GET /api/outbox``: the local outbox of notifications, in local mode only (404 otherwise)."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from clients.settings import get_settings
from domain.i18n import N_
from function_app.problem import language, problem
from function_app.responses import json_response
from notifications.registry import outbox_for

bp = df.Blueprint()


@bp.route(route="outbox", methods=["GET"])
def outbox(req: func.HttpRequest) -> func.HttpResponse:
    """List sent messages: ``?runId=`` filters, ``?after=<seq>`` pages."""
    settings = get_settings()
    if not settings.local_mode:
        return problem(404, N_("Not Found"), N_("The outbox exists only in local mode."), lang=language(req))
    try:
        after = int(req.params.get("after") or 0)
        if after > 2**63 - 1:  # the outbox's sequence is a 64-bit integer
            raise ValueError(after)
    except ValueError:
        return problem(
            400, N_("Bad Request"), N_("after must be an integer sequence number"), lang=language(req)
        )
    messages = outbox_for(settings).list(run_id=req.params.get("runId") or None, after=max(0, after))
    return json_response({"messages": messages})
