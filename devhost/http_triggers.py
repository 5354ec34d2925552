"""HTTP-triggered user functions: routing, auth levels, HttpRequest/HttpResponse like the worker."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import azure.functions as func
from aiohttp import web

from devhost.invoke import make_context
from devhost.keys import Keys
from devhost.loader import FunctionEntry
from devhost.routing import RouteTemplate, compile_route

log = logging.getLogger("devhost.http")


@dataclass
class HttpFunction:
    """One HTTP-triggered function with its compiled route."""

    entry: FunctionEntry
    route: RouteTemplate
    methods: set[str]
    auth_level: str

    @property
    def route_text(self) -> str:
        """The route template."""
        return self.route.template


def _enum_value(value: Any) -> str:
    return str(getattr(value, "value", value))


def build_http_functions(entries: list[FunctionEntry]) -> list[HttpFunction]:
    """Compile every HTTP trigger's route (default route = function name)."""
    out = []
    for entry in entries:
        trigger = entry.trigger
        route = getattr(trigger, "route", None) or entry.name
        methods = {_enum_value(m).upper() for m in (getattr(trigger, "methods", None) or [])}
        level = _enum_value(getattr(trigger, "auth_level", None) or "function").lower()
        out.append(HttpFunction(entry, compile_route(route), methods, level))
    # Literal routes win over parameterised ones, like ASP.NET routing precedence.
    out.sort(key=lambda f: (f.route.template.count("{"), -len(f.route.template)))
    return out


class HttpTriggerHandler:
    """Dispatch ``/{routePrefix}/…`` requests to user functions."""

    def __init__(
        self,
        functions: list[HttpFunction],
        prefix: str,
        keys: Keys,
        client_binding: Callable[[web.Request], str],
    ) -> None:
        self.functions = functions
        self.prefix = prefix
        self.keys = keys
        self.client_binding = client_binding

    def match(self, path: str, method: str) -> tuple[HttpFunction, dict[str, str]] | bool | None:
        """The function and route params; False when a route matched but not the method."""
        if self.prefix:
            head = f"/{self.prefix}"
            if not (path == head or path.lower().startswith(head.lower() + "/")):
                return None
            path = path[len(head) :]
        method_mismatch = False
        for fn in self.functions:
            params = fn.route.match(path)
            if params is None:
                continue
            if fn.methods and method.upper() not in fn.methods:
                method_mismatch = True
                continue
            return fn, params
        return False if method_mismatch else None

    async def handle(
        self, request: web.Request, fn: HttpFunction, params: dict[str, str]
    ) -> web.StreamResponse:
        """Authorize, invoke and convert the response."""
        supplied = request.query.get("code") or request.headers.get("x-functions-key")
        if not self.keys.accepts(fn.auth_level, supplied):
            return web.Response(status=401)
        body = await request.read()
        req = func.HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=dict(request.headers),
            # The host copies each key once, repeated values joined by "," (StringValues.ToString()).
            params={key: ",".join(request.query.getall(key)) for key in dict.fromkeys(request.query.keys())},
            route_params=params,
            body=body,
        )
        started = time.monotonic()
        log.info(
            "Executing 'Functions.%s' (Reason='This function was called by an HTTP request.')",
            fn.entry.name,
        )
        try:
            result, outs = await self._invoke(fn, req, request)
        except Exception:
            log.error("Executed 'Functions.%s' (Failed):\n%s", fn.entry.name, traceback.format_exc())
            return web.Response(status=500)
        elapsed = (time.monotonic() - started) * 1000
        log.info("Executed 'Functions.%s' (Succeeded, Duration=%dms)", fn.entry.name, elapsed)
        for out in outs.values():
            if out.get() is not None:
                result = out.get()
        return to_aiohttp(result)

    async def _invoke(
        self, fn: HttpFunction, req: func.HttpRequest, request: web.Request
    ) -> tuple[Any, dict[str, func.Out[Any]]]:
        kwargs: dict[str, Any] = {}
        outs: dict[str, func.Out[Any]] = {}
        for binding in fn.entry.bindings:
            name, btype = str(binding.get("name")), binding.get("type")
            direction = _enum_value(binding.get("direction")).lower()
            if btype == "httpTrigger":
                kwargs[name] = req
            elif btype == "durableClient":
                kwargs[name] = self.client_binding(request)
            elif name != "$return" and direction in ("1", "out", "bindingdirection.out"):
                out: _Out = _Out()
                kwargs[name] = out
                if btype == "http":  # only an HTTP output binding is the response
                    outs[name] = out
            elif name != "$return":
                kwargs[name] = None
        fn.entry.activate()
        user = fn.entry.callable
        params = inspect.signature(user).parameters
        if "context" in params:
            kwargs["context"] = make_context(fn.entry)
        kwargs = {k: v for k, v in kwargs.items() if k in params or _accepts_kwargs(user)}
        if inspect.iscoroutinefunction(user):
            return await user(**kwargs), outs
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(None, lambda: _activated(fn.entry, user, kwargs))
        if inspect.isawaitable(result):
            result = await result
        return result, outs


def _activated(entry: FunctionEntry, user: Any, kwargs: dict[str, Any]) -> Any:
    entry.activate()  # in the worker thread, right before the user's code
    return user(**kwargs)


class _Out(func.Out[Any]):
    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: Any) -> None:
        self._value = val

    def get(self) -> Any:
        return self._value


def _accepts_kwargs(fn: Any) -> bool:
    return any(p.kind == inspect.Parameter.VAR_KEYWORD for p in inspect.signature(fn).parameters.values())


def to_aiohttp(result: Any) -> web.Response:
    """Convert a user return value into an aiohttp response like the worker's converter."""
    if result is None:
        return web.Response(status=204)
    if isinstance(result, str | bytes):
        result = func.HttpResponse(result)
    if not isinstance(result, func.HttpResponse):
        raise TypeError(f"unsupported HTTP return type {type(result).__name__}")
    headers = {k: v for k, v in result.headers.items()}
    if not any(k.lower() == "content-type" for k in headers):
        mimetype = result.mimetype or "text/plain"
        headers["Content-Type"] = f"{mimetype}; charset={result.charset}" if result.charset else mimetype
    return web.Response(status=result.status_code, body=result.get_body(), headers=headers)
