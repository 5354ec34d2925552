"""``GET /api/health``: an anonymous liveness probe for post-deploy smoke checks."""

import json

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    """Answer 200 with a tiny JSON body; touches no dependency."""
    return func.HttpResponse(json.dumps({"status": "ok"}), status_code=200, mimetype="application/json")
