"""Paged collection answers: ``{"value": [...], "nextLink": <absolute URL with $skipToken>}``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from simulator.errors import bad_request
from simulator.routes import Request, Response


def skip_token(request: Request) -> int:
    """Offset carried by ``$skipToken`` (or ``skipToken``, which the SDK uses for protected items)."""
    raw = request.query.get("$skipToken") or request.query.get("skipToken") or "0"
    try:
        return max(0, int(raw))
    except ValueError as error:
        raise bad_request(f"Invalid skip token '{raw}'.", code="InvalidSkipToken") from error


def page(request: Request, values: list[dict[str, Any]]) -> Response:
    """One page of ``values`` with an absolute ``nextLink`` when more remain."""
    size = request.world.page_size
    start = skip_token(request)
    chunk = values[start : start + size]
    body: dict[str, Any] = {"value": chunk}
    if start + size < len(values):
        query = {k: v for k, v in request.query.items() if k not in ("$skipToken", "skipToken")}
        query["$skipToken"] = str(start + size)
        body["nextLink"] = f"{request.base_url}{request.path}?{urlencode(query)}"
    else:
        body["nextLink"] = None
    return Response(200, body)
