"""The route table: method + path regex → handler, plus the request/response objects handlers see.

Handler modules in ``simulator/handlers/`` register routes with ``@route`` when imported;
``simulator.handlers.load_all()`` imports every module there, so a new module (e.g.
``handlers/recovery_plans.py``) plugs in without touching this file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.app import SimulatorApp
    from simulator.models.world import World

API_VERSION = "2025-08-01"

#: Vault prefix of every ARM path (matched case-insensitively).
VAULT = (
    r"/subscriptions/(?P<subscription>[^/]+)/resourcegroups/(?P<resource_group>[^/]+)"
    r"/providers/microsoft\.recoveryservices/vaults/(?P<vault>[^/]+)"
)
#: A fabric.
FABRIC = VAULT + r"/replicationfabrics/(?P<fabric>[^/]+)"
#: A protection container: fabric / container.
CONTAINER = FABRIC + r"/replicationprotectioncontainers/(?P<container>[^/]+)"
#: ``{rpi}`` prefix: fabric / container / protected item.
RPI = CONTAINER + r"/replicationprotecteditems/(?P<item>[^/]+)"


@dataclass
class Request:
    """An incoming request, as handlers see it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base_url: str
    app: SimulatorApp
    params: dict[str, str] = field(default_factory=dict)

    @property
    def world(self) -> World:
        """The current world."""
        return self.app.world

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        if not self.body:
            return None
        return json.loads(self.body)

    def json_object(self) -> dict[str, Any]:
        """The body parsed as a JSON object; ``{}`` when empty or not an object (models then answer 400)."""
        body = self.json()
        return body if isinstance(body, dict) else {}

    def header(self, name: str) -> str | None:
        """A request header, case-insensitively."""
        return self.headers.get(name.lower())


@dataclass
class Response:
    """What a handler answers: a JSON-able body (dict/list), raw bytes, or None for an empty body."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        """Encoded body."""
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


Handler = Callable[[Request], Response]


@dataclass
class Route:
    """One entry of the table.

    Attributes:
        method: HTTP method.
        pattern: compiled full-path regex (case-insensitive).
        handler: the function answering.
        name: the path kind (counted by ``GET /_sim/requests``).
        kind: ``arm`` (auth, api-version, vault checks), ``logs`` (auth) or ``control`` (none).
    """

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    name: str
    kind: str


ROUTES: list[Route] = []


def route(
    method: str, pattern: str, *, name: str | None = None, kind: str = "arm"
) -> Callable[[Handler], Handler]:
    """Register ``handler`` for ``method`` and the full-path regex ``pattern``."""

    def register(handler: Handler) -> Handler:
        ROUTES.append(
            Route(
                method.upper(),
                re.compile(pattern + r"/?$", re.IGNORECASE),
                handler,
                name or handler.__name__,
                kind,
            )
        )
        return handler

    return register


def resolve(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """Find the route for a request: ``(route, params, path_known)``."""
    known = False
    for entry in ROUTES:
        match = entry.pattern.match(path)
        if match is None:
            continue
        known = True
        if entry.method == method.upper():
            return entry, {k: v for k, v in match.groupdict().items() if v is not None}, True
    return None, {}, known
