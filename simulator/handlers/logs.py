"""Log Analytics query API: ``POST /v1/workspaces/{id}/query`` and ``POST /v1/$batch``."""

from __future__ import annotations

from typing import Any

from simulator.models.logs import QueryFailure
from simulator.routes import Request, Response, route


def _answer(req: Request, workspace: str, body: Any) -> tuple[int, dict[str, Any]]:
    world = req.world
    if workspace.lower() != world.workspace_id.lower():
        failure = QueryFailure(404, "WorkspaceNotFoundError", f"Workspace '{workspace}' was not found.")
        return failure.status, failure.body()
    if not isinstance(body, dict):
        failure = QueryFailure(
            400, "BadArgumentError", "The request body must be a JSON object with 'query'."
        )
        return failure.status, failure.body()
    try:
        return 200, world.logs.query(body)
    except QueryFailure as failure:
        return failure.status, failure.body()


@route("POST", r"/v1/workspaces/(?P<workspace>[^/]+)/query", name="logs.query", kind="logs")
def query(req: Request) -> Response:
    """One query against the workspace."""
    status, body = _answer(req, req.params["workspace"], req.json())
    return Response(status, body)


@route("POST", r"/v1/\$batch", name="logs.batch", kind="logs")
def batch(req: Request) -> Response:
    """Several queries; each answer carries the request's ``id``."""
    payload = req.json() or {}
    responses = []
    for item in payload.get("requests", []):
        status, body = _answer(req, str(item.get("workspace", "")), item.get("body"))
        responses.append({"id": item.get("id"), "status": status, "body": body, "headers": {}})
    return Response(200, {"responses": responses})
