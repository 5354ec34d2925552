"""The Durable HTTP API: ``/durabletask/`` (rpcBaseUrl) and ``/runtime/webhooks/durabletask/``."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devhost import history as hist
from devhost.entities import read_state, scheduler_id
from devhost.history import ACTIVE, TERMINAL
from devhost.jsonfmt import compact, epoch, from_epoch, parse_or_none, parse_query_datetime, whole_seconds
from devhost.status import status_payload
from devhost.urls import RPC_PATH, WEBHOOK_PATH, management_urls

if TYPE_CHECKING:
    from devhost.server import HostRuntime

PAGE_SIZE = 100


def _flag(request: web.Request, name: str, default: bool = False) -> bool:
    value = request.query.get(name)
    if value is None:
        return default
    return value.strip().lower() == "true"


def _origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def http_error(status: int, message: str, exc_type: str = "System.InvalidOperationException") -> web.Response:
    """An ``HttpError`` JSON body like ``CreateErrorResponse``."""
    body = {"Message": message, "ExceptionMessage": message, "ExceptionType": exc_type, "StackTrace": None}
    return web.json_response(body, status=status)


class DurableApi:
    """Request handlers bound to one host runtime."""

    def __init__(self, runtime: HostRuntime) -> None:
        self.rt = runtime

    def routes(self) -> list[web.RouteDef]:
        """Routes under both bases."""
        out: list[web.RouteDef] = []
        for base in (RPC_PATH.rstrip("/"), WEBHOOK_PATH):
            out += [
                web.post(base + "/orchestrators/{name}", self.start),
                web.post(base + "/orchestrators/{name}/{instance_id}", self.start),
                web.get(base + "/instances", self.query),
                web.get(base + "/instances/", self.query),
                web.delete(base + "/instances", self.purge_by),
                web.delete(base + "/instances/", self.purge_by),
                web.get(base + "/instances/{id}", self.status),
                web.delete(base + "/instances/{id}", self.purge),
                web.post(base + "/instances/{id}/raiseEvent/{event}", self.raise_event),
                web.post(base + "/instances/{id}/{op}", self.operate),
                web.post(base + "/entities/{name}/{key}", self.signal_entity),
                web.get(base + "/entities/{name}/{key}", self.read_entity),
                web.get(base + "/entities/{name}", self.list_entities),
                web.get(base + "/entities", self.list_entities),
            ]
        return out

    # -- helpers ---------------------------------------------------------------------------
    def check_status_response(self, request: web.Request, instance_id: str) -> web.Response:
        """202 with the management payload, ``Location`` and ``Retry-After: 10``."""
        urls = management_urls(
            _origin(request), instance_id, self.rt.hub, self.rt.keys.system_key, rewind=False
        )
        return web.json_response(
            urls, status=202, headers={"Location": urls["statusQueryGetUri"], "Retry-After": "10"}
        )

    async def _wait_consumed(self, instance_id: str, before: int) -> None:
        """Wait (briefly) until control messages queued for an instance are processed."""
        for _ in range(400):
            rows = self.rt.store.query(
                "SELECT COUNT(*) AS n FROM messages WHERE instance_id=? AND etype IN (3,19,20) AND id>?",
                (instance_id, before),
            )
            if not rows[0]["n"]:
                return
            await asyncio.sleep(0.01)

    def _last_message_id(self) -> int:
        rows = self.rt.store.query("SELECT COALESCE(MAX(id), 0) AS m FROM messages")
        return int(rows[0]["m"])

    # -- start -----------------------------------------------------------------------------
    async def start(self, request: web.Request) -> web.StreamResponse:
        """``POST orchestrators/{name}[/{instanceId}]``."""
        name = request.match_info["name"]
        entry = self.rt.index.orchestrator(name)
        if entry is None:
            return http_error(
                400,
                f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function.",
                "System.ArgumentException",
            )
        instance_id = request.match_info.get("instance_id") or uuid.uuid4().hex
        raw = await request.read()
        try:
            input_json = compact(json.loads(raw)) if raw.strip() else None
        except ValueError:
            return http_error(400, "Invalid JSON in the request body.", "System.ArgumentException")
        existing = self.rt.store.instance(instance_id)
        overridable = str(self.rt.config.durable.get("overridableExistingInstanceStates") or "")
        if existing is not None and existing["status"] in ACTIVE and overridable.lower() != "anystate":
            return http_error(
                500,
                f"An Orchestration instance with the status {existing['status']} already exists.",
                "DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException",
            )
        version = request.query.get("version") or self.rt.config.default_version
        self.rt.engine.start_instance(entry.durable_name or name, instance_id, input_json, version)
        timeout = request.query.get("timeout")
        if timeout is not None:
            return await self._wait_for(
                request, instance_id, float(timeout), float(request.query.get("pollingInterval", "1"))
            )
        return self.check_status_response(request, instance_id)

    async def _wait_for(
        self, request: web.Request, instance_id: str, timeout: float, interval: float
    ) -> web.StreamResponse:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            row = self.rt.store.instance(instance_id)
            if row and row["status"] == "Completed":
                return web.Response(status=200, text=row["output"] or "null", content_type="application/json")
            if row and row["status"] in TERMINAL:
                return web.json_response(status_payload(row), status=200)
            await asyncio.sleep(min(max(interval, 0.01), 1.0))
        return self.check_status_response(request, instance_id)

    # -- status and queries ----------------------------------------------------------------
    async def status(self, request: web.Request) -> web.StreamResponse:
        """``GET instances/{id}``."""
        instance_id = request.match_info["id"]
        row = self.rt.store.instance(instance_id)
        if row is None:
            return web.Response(status=404)
        history = self.rt.store.history(instance_id) if _flag(request, "showHistory") else None
        body = status_payload(
            row,
            history,
            show_input=_flag(request, "showInput", True),
            show_history_output=_flag(request, "showHistoryOutput"),
        )
        status = row["status"]
        if status in ACTIVE:
            return web.json_response(
                body, status=202, headers={"Location": str(request.url), "Retry-After": "5"}
            )
        if status == "Failed" and _flag(request, "returnInternalServerErrorOnFailure"):
            return web.json_response(body, status=500)
        return web.json_response(body, status=200)

    def _filtered(self, request: web.Request) -> list[dict[str, Any]]:
        where: list[str] = ["1=1"]
        args: list[Any] = []
        # A date the host cannot parse is no filter at all (HttpApiHandler.HandleGetStatusRequestAsync).
        created_from = parse_query_datetime(request.query.get("createdTimeFrom"))
        if created_from is not None:
            where.append("created>=?")
            args.append(epoch(created_from))
        created_to = parse_query_datetime(request.query.get("createdTimeTo"))
        if created_to is not None:
            where.append("created<=?")
            args.append(epoch(created_to))
        statuses = [s.strip() for s in request.query.get("runtimeStatus", "").split(",") if s.strip()]
        if statuses:
            where.append(f"status IN ({','.join('?' * len(statuses))})")
            args.extend(statuses)
        prefix = request.query.get("instanceIdPrefix")
        if prefix:
            where.append("substr(instance_id, 1, ?)=?")
            args.extend([len(prefix), prefix])
        return self.rt.store.instances(" AND ".join(where), tuple(args))

    async def query(self, request: web.Request) -> web.StreamResponse:
        """``GET instances`` with filters, ``top`` and the continuation header."""
        rows = self._filtered(request)
        top = int(request.query.get("top") or PAGE_SIZE)
        token = request.headers.get("x-ms-continuation-token")
        offset = int(token) if token and token.isdigit() else 0
        page = rows[offset : offset + top]
        show_input = _flag(request, "showInput", False)
        body = [status_payload(r, show_input=show_input) for r in page]
        headers = {}
        if offset + top < len(rows):
            headers["x-ms-continuation-token"] = str(offset + top)
        return web.json_response(body, status=200, headers=headers)

    # -- purge -----------------------------------------------------------------------------
    async def purge(self, request: web.Request) -> web.StreamResponse:
        """``DELETE instances/{id}``."""
        instance_id = request.match_info["id"]
        if self.rt.store.instance(instance_id) is None:
            return web.Response(status=404)
        self.rt.purge([instance_id])
        return web.json_response({"instancesDeleted": 1})

    async def purge_by(self, request: web.Request) -> web.StreamResponse:
        """``DELETE instances?createdTimeFrom=…`` (terminal instances only)."""
        # HttpApiHandler.HandleDeleteHistoryWithFiltersRequestAsync: a missing or unparseable
        # createdTimeFrom is a 400 with a JSON string body; an unparseable createdTimeTo means now.
        if parse_query_datetime(request.query.get("createdTimeFrom")) is None:
            return web.json_response("Please provide value for 'createdTimeFrom' parameter.", status=400)
        ids = [r["instance_id"] for r in self._filtered(request) if r["status"] in TERMINAL]
        if not ids:
            return web.Response(status=404)
        self.rt.purge(ids)
        return web.json_response({"instancesDeleted": len(ids)})

    # -- events and management -------------------------------------------------------------
    async def raise_event(self, request: web.Request) -> web.StreamResponse:
        """``POST instances/{id}/raiseEvent/{name}``."""
        instance_id, name = request.match_info["id"], request.match_info["event"]
        row = self.rt.store.instance(instance_id)
        if row is None:
            return http_error(
                404, f"No instance with ID '{instance_id}' was found.", "System.ArgumentException"
            )
        if row["status"] in TERMINAL:
            return http_error(410, f"The instance '{instance_id}' is not running.")
        raw = await request.read()
        try:
            payload = compact(json.loads(raw)) if raw.strip() else None
        except ValueError:
            return http_error(
                400, "Only application/json request content is supported", "System.ArgumentException"
            )
        self.rt.engine.send(instance_id, hist.event_raised(self.rt.engine.now(), name, payload))
        return web.Response(status=202)

    async def operate(self, request: web.Request) -> web.StreamResponse:
        """``POST instances/{id}/{terminate|suspend|resume|rewind|restart}``."""
        instance_id, op = request.match_info["id"], request.match_info["op"].lower()
        row = self.rt.store.instance(instance_id)
        if op == "restart":
            return await self._restart(request, row)
        if op not in ("terminate", "suspend", "resume", "rewind"):
            return web.Response(status=404)
        if row is None:
            return http_error(
                404, f"No instance with ID '{instance_id}' was found.", "System.ArgumentException"
            )
        reason = request.query.get("reason")
        status = row["status"]
        if op == "rewind":
            if status != "Failed":
                code = 410 if status in TERMINAL else 500
                return http_error(code, f"The instance '{instance_id}' is {status} and cannot be rewound.")
            self.rt.rewind(instance_id, reason)
            return web.Response(status=202)
        if status in TERMINAL:
            return http_error(410, f"The instance '{instance_id}' is {status}.")
        if op == "suspend" and status == "Suspended":
            return http_error(500, f"The instance '{instance_id}' is already suspended.")
        if op == "resume" and status != "Suspended":
            return http_error(500, f"The instance '{instance_id}' is not suspended.")
        builder = {
            "terminate": hist.execution_terminated,
            "suspend": hist.execution_suspended,
            "resume": hist.execution_resumed,
        }[op]
        before = self._last_message_id()
        self.rt.engine.send(instance_id, builder(self.rt.engine.now(), reason))
        await self._wait_consumed(instance_id, before)
        return web.Response(status=202)

    async def _restart(self, request: web.Request, row: dict[str, Any] | None) -> web.StreamResponse:
        if row is None:
            return http_error(400, "No instance with the given ID was found.", "System.ArgumentException")
        new_id = _flag(request, "restartWithNewInstanceId", True)
        instance_id = uuid.uuid4().hex if new_id else row["instance_id"]
        if not new_id and row["status"] in ACTIVE:
            return http_error(
                500, f"An Orchestration instance with the status {row['status']} already exists."
            )
        self.rt.engine.start_instance(row["name"], instance_id, row["input"])
        return self.check_status_response(request, instance_id)

    # -- entities --------------------------------------------------------------------------
    async def signal_entity(self, request: web.Request) -> web.StreamResponse:
        """``POST entities/{name}/{key}?op=…`` (signal)."""
        name, key = request.match_info["name"], request.match_info["key"]
        if self.rt.index.entity(name) is None:
            return http_error(400, f"The function '{name}' doesn't exist or is not an entity function.")
        raw = await request.read()
        try:
            token = json.loads(raw) if raw.strip() else None
        except ValueError:
            return http_error(400, "Invalid JSON in the request body.", "System.ArgumentException")
        # The operation input as JSON text: the SDK client sends a JSON string holding JSON text.
        value_text = None if token is None else token if isinstance(token, str) else compact(token)
        self.rt.signal_entity(scheduler_id(name, key), request.query.get("op", ""), value_text)
        return web.Response(status=202)

    async def list_entities(self, request: web.Request) -> web.StreamResponse:
        """``GET entities[/{name}]``: existing entities, with state when ``fetchState=true``."""
        name = request.match_info.get("name")
        where, args = "exists_flag=1", []
        if name:
            where += " AND lower(name)=?"
            args.append(name.lower())
        rows = self.rt.store.query(f"SELECT * FROM entities WHERE {where} ORDER BY entity_id", tuple(args))
        fetch_state = _flag(request, "fetchState")
        body = []
        for row in rows[: int(request.query.get("top") or PAGE_SIZE)]:
            item: dict[str, Any] = {
                "entityId": {"name": row["name"], "key": row["key"]},
                "lastOperationTime": whole_seconds(from_epoch(row["last_updated"])),
            }
            if fetch_state:
                item["state"] = parse_or_none(row["state"])
            body.append(item)
        return web.json_response(body)

    async def read_entity(self, request: web.Request) -> web.StreamResponse:
        """``GET entities/{name}/{key}``."""
        exists, state = await read_state(self.rt.store, request.match_info["name"], request.match_info["key"])
        if not exists:
            return web.Response(status=404)
        return web.Response(status=200, text=state or "null", content_type="application/json")


def now_utc() -> datetime:
    """Wall-clock now (kept for callers that have no engine)."""
    from datetime import UTC

    return datetime.now(UTC)
