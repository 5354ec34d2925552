"""The host runtime: configuration, app, keys, store, engine and the aiohttp server."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web

from devhost.clock import Clock, RealClock
from devhost.config import HostConfig, load_config
from devhost.durable_api import DurableApi
from devhost.engine import Engine
from devhost.http_triggers import HttpTriggerHandler, build_http_functions
from devhost.keys import Keys, load_or_create_keys
from devhost.loader import FunctionIndex, LoadedApp, index_functions, load
from devhost.rewind import rewind_instance
from devhost.store import Store
from devhost.timer_triggers import TimerTriggers
from devhost.urls import client_binding

log = logging.getLogger("devhost")
_RUNNING: set[int] = set()


class HostRuntime:
    """Everything one running host owns. Create, ``await start()``, ``await stop()``."""

    def __init__(
        self,
        app_dir: Path,
        *,
        clock: Clock | None = None,
        port: int = 7071,
        state_dir: Path | None = None,
        env: dict[str, str] | None = None,
        bind: str = "127.0.0.1",
    ) -> None:
        self.app_dir = Path(app_dir).resolve()
        self.clock: Clock = clock or RealClock()
        self.port = port
        self.bind = bind
        self.owns_state_dir = state_dir is None  # a temporary directory, removed on stop
        self.state_dir = Path(state_dir) if state_dir else Path(tempfile.mkdtemp(prefix="devhost-"))
        self.extra_env = dict(env or {})
        self.config: HostConfig = load_config(self.app_dir)
        self._saved_env: dict[str, str | None] = {}
        self.index = FunctionIndex()
        self.loaded: LoadedApp | None = None
        self.keys: Keys = load_or_create_keys(self.state_dir)
        self.store: Store
        self.engine: Engine
        self._runner: web.AppRunner | None = None
        self.origin = ""

    @property
    def hub(self) -> str:
        """Task hub name."""
        return self.config.hub_name

    def apply_env(self) -> None:
        """Put ``local.settings.json`` Values and ``env`` into ``os.environ`` (restored on stop)."""
        values = {**self.config.settings, **self.extra_env}
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
        self.config.settings.update(self.extra_env)

    def restore_env(self) -> None:
        """Undo ``apply_env``."""
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def load(self) -> None:
        """Import and index the app (environment must already be applied)."""
        self.loaded = load(self.app_dir, self.config.setting("PYTHON_SCRIPT_FILE_NAME"))
        self.index = index_functions(self.loaded.register).without(self.disabled_functions())

    def disabled_functions(self) -> set[str]:
        """Functions switched off with the app setting ``AzureWebJobs.<name>.Disabled=true``."""
        values = {**os.environ, **self.config.settings}
        found = set()
        for key, value in values.items():
            parts = key.split(".")
            is_switch = (
                len(parts) == 3 and parts[0].lower() == "azurewebjobs" and parts[2].lower() == "disabled"
            )
            if is_switch and str(value).strip().lower() in ("true", "1"):
                found.add(parts[1])
        return found

    async def start(self) -> None:
        """Open the store, start the engine and serve HTTP."""
        self.store = Store(self.state_dir / "devhost.sqlite")
        self.engine = Engine(
            self.store,
            self.index,
            self.clock,
            max_activities=self.config.limit("maxConcurrentActivityFunctions", 10),
            max_orchestrators=self.config.limit("maxConcurrentOrchestratorFunctions", 10),
            max_entities=self.config.limit("maxConcurrentEntityFunctions", 10),
        )
        self.engine.timer_durations = self.config.timer_durations
        self.engine.default_version = self.config.default_version
        self.engine.version_policy = self.config.version_policy
        self.engine.function_timeout = self.config.function_timeout
        self.engine.function_timeout_text = str(self.config.host_json.get("functionTimeout", ""))
        self.engine.client_binding = self.binding_for
        http_functions = build_http_functions(self.index.http)
        self.http = HttpTriggerHandler(
            http_functions, self.config.route_prefix, self.keys, lambda req: self.binding_for(req)
        )
        app = web.Application(middlewares=[self._middleware], client_max_size=100 * 1024 * 1024)
        app.add_routes(DurableApi(self).routes())
        app.router.add_post("/admin/functions/{name}", self._admin_invoke)
        app.router.add_get("/admin/host/status", self._admin_status)
        app.router.add_route("*", "/{tail:.*}", self._http_trigger)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.bind, self.port, reuse_address=True)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        self.origin = f"http://127.0.0.1:{self.port}"
        if self.index.timers:
            self.engine.timers = TimerTriggers(self.index.timers, self.clock, self.binding_for)
        self.engine.start()
        _RUNNING.add(id(self))

    async def stop(self) -> None:
        """Stop serving and scheduling; close the store."""
        await self.engine.stop()
        if self._runner:
            await self._runner.cleanup()
        self.store.close()
        if self.loaded is not None:
            self.loaded.deactivate()
        _RUNNING.discard(id(self))
        if not _RUNNING:
            await _close_sdk_session()
        if self.owns_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    # -- helpers used by the API -----------------------------------------------------------
    def binding_for(self, request: Any = None) -> str:
        """The durableClient binding JSON (rpcBaseUrl of this host)."""
        return client_binding(self.origin, self.hub, self.keys.system_key)

    def purge(self, instance_ids: list[str]) -> None:
        """Delete instances and everything queued for them."""
        with self.store.tx() as db:
            for instance_id in instance_ids:
                Store.delete_instance(db, instance_id)

    def rewind(self, instance_id: str, reason: str | None) -> None:
        """Rewind a failed instance (§3.10)."""
        rewind_instance(self.store, self.engine, instance_id, reason)

    def signal_entity(self, entity_id: str, op: str, value_text: str | None) -> None:
        """Fire-and-forget entity operation from a client (queued durably)."""
        self.engine.signal_entity(entity_id, op, value_text)

    def describe(self) -> list[str]:
        """Lines listing every function with its URL (like ``func start``)."""
        lines = []
        prefix = f"/{self.config.route_prefix}" if self.config.route_prefix else ""
        for fn in build_http_functions(self.index.http):
            methods = ",".join(sorted(fn.methods)) or "*"
            lines.append(
                f"  {fn.entry.name}: [{methods}] {self.origin}{prefix}/{fn.route_text} ({fn.auth_level})"
            )
        for kind, group in (
            ("orchestrationTrigger", self.index.orchestrators),
            ("activityTrigger", self.index.activities),
            ("entityTrigger", self.index.entities),
        ):
            for entry in group.values():
                lines.append(f"  {entry.name}: {kind}")
        for entry in self.index.timers:
            lines.append(f"  {entry.name}: timerTrigger ({getattr(entry.trigger, 'schedule', '')})")
        for entry in self.index.other:
            lines.append(f"  {entry.name}: {entry.trigger_type} (not run by devhost)")
        return lines

    # -- aiohttp plumbing ------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.engine.http_inflight += 1
        try:
            origin = request.headers.get("Origin")
            allowed = origin is not None and ("*" in self.config.cors or origin in self.config.cors)
            if allowed and request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
                response: web.StreamResponse = web.Response(status=204)
                response.headers["Access-Control-Allow-Methods"] = request.headers[
                    "Access-Control-Request-Method"
                ]
                requested = request.headers.get("Access-Control-Request-Headers")
                if requested:
                    response.headers["Access-Control-Allow-Headers"] = requested
            else:
                response = await handler(request)
            if allowed and origin is not None:
                response.headers["Access-Control-Allow-Origin"] = "*" if "*" in self.config.cors else origin
            return response
        finally:
            self.engine.http_inflight -= 1

    async def _admin_invoke(self, request: web.Request) -> web.StreamResponse:
        """``POST /admin/functions/{name}`` (master key): run a timer-triggered function now."""
        supplied = request.query.get("code") or request.headers.get("x-functions-key")
        if not self.keys.accepts("admin", supplied):
            return web.Response(status=401)
        timers = self.engine.timers
        trigger = timers.find(request.match_info["name"]) if timers else None
        if timers is None or trigger is None:
            return web.Response(status=404)
        timers.fire_now(trigger)
        return web.Response(status=202)

    async def _admin_status(self, request: web.Request) -> web.StreamResponse:
        """``GET /admin/host/status``."""
        supplied = request.query.get("code") or request.headers.get("x-functions-key")
        if not self.keys.accepts("admin", supplied):
            return web.Response(status=401)
        return web.json_response({"state": "Running", "version": "devhost", "id": self.hub})

    async def _http_trigger(self, request: web.Request) -> web.StreamResponse:
        found = self.http.match(request.path, request.method)
        if not isinstance(found, tuple):
            # The Functions host answers 404 for unknown routes and for undeclared methods alike.
            return web.Response(status=404)
        fn, params = found
        return await self.http.handle(request, fn, params)


async def _close_sdk_session() -> None:
    """Close the Durable SDK's module-wide aiohttp session (it lives on this loop)."""
    try:
        from azure.durable_functions.models.utils import http_utils

        await http_utils._close_session()
    except Exception:  # an older SDK without the shared session: nothing to close
        log.debug("no SDK session to close", exc_info=True)


__all__ = ["HostRuntime"]
