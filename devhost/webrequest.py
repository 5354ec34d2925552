"""``call_http`` (reference §3.12): one plain HTTP request, result as ``DurableHttpResponse``."""

from __future__ import annotations

from typing import Any

import aiohttp

from devhost.jsonfmt import compact


async def run_http_activity(request: dict[str, Any]) -> str:
    """Perform the request; return ``{"statusCode", "headers", "content"}`` as JSON text."""
    headers = {
        k: (v[0] if isinstance(v, list) and v else str(v)) for k, v in (request.get("headers") or {}).items()
    }
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            str(request.get("method") or "GET"),
            str(request.get("uri")),
            data=request.get("content"),
            headers=headers,
        ) as resp,
    ):
        content = await resp.text()
        return compact({"statusCode": resp.status, "headers": dict(resp.headers), "content": content})
