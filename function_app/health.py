"""``GET /api/health``: an anonymous liveness probe for post-deploy smoke checks."""

import azure.durable_functions as df
import azure.functions as func

from function_app.responses import json_response

bp = df.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    """Answer 200 with a tiny JSON body; touches no dependency."""
    return json_response({"status": "ok"})
