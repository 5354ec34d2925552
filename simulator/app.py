"""Request dispatch: faults, auth, ARM checks, world lock, error envelopes, request counts.

Independent of the HTTP server so it can be exercised directly; ``server.py`` feeds it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from simulator import profiles
from simulator.clock import Clock, ScaledClock
from simulator.errors import ArmError
from simulator.models.world import World
from simulator.routes import Request, Response, resolve

log = logging.getLogger("simulator")

#: Returned by ``handle`` when the connection must be dropped without an answer.
DROP = Response(status=0)


@dataclass
class Settings:
    """Tunables changed through ``POST /_sim/settings``."""

    initial_retry_after: int = 30
    #: R17: status answers carry no Retry-After (0 = none); tests may ask for one
    poll_retry_after: int = 0


class SimulatorApp:
    """The simulator behind the HTTP server: a world, a clock and the route table.

    Args:
        scenario: scenario to seed (see ``simulator.scenarios``).
        profile: the variant of each unrecorded behaviour (``simulator.profiles``; default ``recorded``).
        clock: simulated time source (default: real time).
        page_size: list page size.
    """

    def __init__(
        self,
        scenario: str = "default",
        clock: Clock | None = None,
        page_size: int = 50,
        profile: str | None = None,
    ) -> None:
        from simulator import handlers

        handlers.load_all()
        self.clock: Clock = clock or ScaledClock(1.0)
        self.settings = Settings()
        self.page_size = page_size
        self._reset_lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.profile = profiles.get(profile)
        self.world = self.build_world(scenario)

    def build_world(self, scenario: str) -> World:
        """A fresh world seeded with ``scenario``."""
        from simulator.scenarios import build

        world = build(scenario, self.clock, page_size=self.page_size)
        world.profile = self.profile
        return world

    def reset(self, scenario: str, profile: str | None = None) -> World:
        """Replace the world by a freshly seeded one (under ``profile`` when given)."""
        if profile is not None:
            self.profile = profiles.get(profile)
        world = self.build_world(scenario)
        with self._reset_lock:
            self.world = world
            self.counts.clear()
        return world

    # --- dispatch -----------------------------------------------------------------------------
    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes, base_url: str
    ) -> Response:
        """Answer one HTTP request (never raises)."""
        parts = urlsplit(target)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in headers.items()}
        request_id = str(uuid.uuid4())
        try:
            response = self._dispatch(method.upper(), path, query, headers, body, base_url)
        except ArmError as error:
            error = self.profile_error(error)
            response = Response(error.status, error.body(), dict(error.headers))
        except json.JSONDecodeError as error:
            response = Response(
                400, {"error": {"code": "InvalidRequestContent", "message": f"Invalid JSON: {error}"}}
            )
        except Exception as error:  # a simulator bug must still answer like a server would
            log.exception("internal error on %s %s", method, path)
            response = Response(500, {"error": {"code": "InternalError", "message": repr(error)}})
        if response is not DROP:
            response.headers.setdefault("x-ms-request-id", request_id)
            response.headers.setdefault(
                "x-ms-correlation-request-id", headers.get("x-ms-client-request-id", request_id)
            )
        return response

    def _dispatch(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        base_url: str,
    ) -> Response:
        control = path.startswith("/_sim")
        fault = None if control else self.world.faults.match_http(method, path)
        if fault is not None and not fault.after:
            answer = self._fault_response(fault)
            if answer is not None:
                return answer
        entry, params, known = resolve(method, path)
        if entry is None:
            if known:
                raise ArmError(405, "MethodNotAllowed", f"The method '{method}' is not allowed on '{path}'.")
            raise ArmError(
                404, "ResourceNotFound" if not control else "NotFound", f"No resource at '{path}'."
            )
        request = Request(method, path, query, headers, body, base_url, self, params)
        if entry.kind in ("arm", "logs"):
            self._authenticate(request, entry.kind)
        if entry.kind == "arm":
            self._check_arm(request)
        with self.world.lock:
            self.world.tick()
            if entry.kind != "control":
                self.counts[f"{'read' if method == 'GET' else 'write'} {entry.name}"] += 1
            response = entry.handler(request)
        if fault is not None and fault.after:
            # the request took effect, only its answer is lost or replaced (idempotency tests)
            return self._fault_response(fault) or response
        return response

    def profile_error(self, error: ArmError) -> ArmError:
        """G8: a 409 refusal as the profile words it (``conflict_code``).

        ``OperationNotAllowed`` (default): the named codes, 409. A numeric ASR code (e.g. ``28086``):
        HTTP 400 with that code for every 409 (the ``errors-asr-numeric`` variant). ``Conflict``:
        409 with code ``Conflict``.
        """
        code = self.profile.conflict_code
        if error.status != 409 or code == "OperationNotAllowed":
            return error
        status = 400 if code.isdigit() else 409
        return ArmError(status, code, error.message, error.headers)

    def _fault_response(self, fault: Any) -> Response | None:
        if fault.kind == "drop":
            return DROP
        if fault.kind == "slow":
            time.sleep(fault.delay_seconds)
            return None
        if fault.kind == "throttle":
            return Response(
                fault.status,
                {
                    "error": {
                        "code": fault.code or "TooManyRequests",
                        "message": fault.message or "The request was throttled. Retry after the given time.",
                    }
                },
                {"Retry-After": str(fault.retry_after)},
            )
        return Response(
            fault.status,
            {
                "error": {
                    "code": fault.code or "InternalServerError",
                    "message": fault.message or "The server encountered an internal error (injected fault).",
                }
            },
            {"Retry-After": str(fault.retry_after)} if fault.status in (503, 429) else {},
        )

    @staticmethod
    def _authenticate(request: Request, kind: str) -> None:
        auth = request.header("authorization") or ""
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            if kind == "logs":
                raise ArmError(
                    401,
                    "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is missing.",
                )
            raise ArmError(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
                {
                    "WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common",'
                    ' error="invalid_token", error_description="The Authorization header is missing."'
                },
            )

    def _check_arm(self, request: Request) -> None:
        if "api-version" not in request.query:
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        world = self.world
        params = request.params
        if params.get("subscription", "").lower() != world.subscription_id.lower():
            raise ArmError(
                404,
                "SubscriptionNotFound",
                f"The subscription '{params.get('subscription')}' could not be found.",
            )
        if params.get("resource_group", "").lower() != world.resource_group.lower():
            raise ArmError(
                404,
                "ResourceGroupNotFound",
                f"Resource group '{params.get('resource_group')}' could not be found.",
            )
        if params.get("vault", "").lower() != world.vault.lower():
            raise ArmError(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.RecoveryServices/vaults/"
                f"{params.get('vault')}' under resource group '{world.resource_group}' was not found.",
            )
