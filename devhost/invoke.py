"""Calling user functions like the Python worker: activities, entities and orchestrators."""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
import traceback
import uuid
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions._abc import Context, TraceContext
from azure.functions.durable_functions import ActivityTriggerConverter

from devhost.loader import FunctionEntry


class ActivityError(Exception):
    """An activity raised; carries the worker-style ``"<Type>: <message>"`` text."""

    def __init__(self, text: str, stack: str) -> None:
        super().__init__(text)
        self.text = text
        self.stack = stack


class _TraceContext(TraceContext):
    """A W3C trace context like the worker passes (a fresh trace per invocation)."""

    def __init__(self) -> None:
        self._parent = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-00"

    @property
    def trace_parent(self) -> str:
        return self._parent

    @property
    def trace_state(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _Context(Context):
    """``func.Context`` of one invocation."""

    def __init__(self, entry: FunctionEntry) -> None:
        self._entry = entry
        self._invocation_id = str(uuid.uuid4())
        self._trace = _TraceContext()
        self._local = threading.local()
        self._local.invocation_id = self._invocation_id

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def function_name(self) -> str:
        return self._entry.name

    @property
    def function_directory(self) -> str:
        return str(self._entry.app.app_dir) if self._entry.app else ""

    @property
    def trace_context(self) -> TraceContext:
        return self._trace

    @property
    def retry_context(self) -> Any:
        return None  # no retry policy on these triggers

    @property
    def thread_local_storage(self) -> Any:
        return self._local


def make_context(entry: FunctionEntry) -> func.Context:
    """A ``func.Context`` like the worker passes (invocation id, function name, trace context)."""
    return _Context(entry)


def call_user_function(entry: FunctionEntry, kwargs: dict[str, Any]) -> Any:
    """Call the user function (sync, or async in its own loop), adding ``context`` if declared."""
    entry.activate()
    fn = entry.callable
    params = inspect.signature(fn).parameters
    if "context" in params and "context" not in kwargs:
        kwargs["context"] = make_context(entry)
    result = fn(**kwargs)
    if inspect.isawaitable(result):
        return asyncio.run(_await(result))
    return result


async def _await(awaitable: Any) -> Any:
    return await awaitable


def run_activity(entry: FunctionEntry, input_text: str | None) -> str:
    """Run an activity; return ``df_dumps`` of its result or raise ``ActivityError``."""
    trigger_name = str(entry.trigger.name)
    try:
        value = ActivityTriggerConverter.decode(
            meta.Datum(type="string", value=input_text if input_text is not None else "null"),
            trigger_metadata=None,
        )
        result = call_user_function(entry, {trigger_name: value})
        return str(ActivityTriggerConverter.encode(result, expected_type=None).value)
    except Exception as exc:  # the worker reports every user exception the same way
        raise ActivityError(f"{type(exc).__name__}: {exc}", traceback.format_exc()) from exc


def client_binding_names(entry: FunctionEntry) -> list[str]:
    """Parameter names of the function's ``durableClient`` input bindings."""
    return [str(b.get("name")) for b in entry.bindings if b.get("type") == "durableClient"]


async def run_activity_with_client(entry: FunctionEntry, input_text: str | None, binding: str) -> str:
    """Run an activity that also takes the durable client, on the host's event loop.

    The worker runs async functions on its one event loop; the Durable SDK shares one HTTP session
    on that loop, so such an activity cannot run in a thread with a loop of its own.
    """
    trigger_name = str(entry.trigger.name)
    try:
        value = ActivityTriggerConverter.decode(
            meta.Datum(type="string", value=input_text if input_text is not None else "null"),
            trigger_metadata=None,
        )
        kwargs: dict[str, Any] = {trigger_name: value}
        kwargs.update({name: binding for name in client_binding_names(entry)})
        entry.activate()
        if "context" in inspect.signature(entry.callable).parameters:
            kwargs["context"] = make_context(entry)
        result = entry.callable(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        return str(ActivityTriggerConverter.encode(result, expected_type=None).value)
    except Exception as exc:  # the worker reports every user exception the same way
        raise ActivityError(f"{type(exc).__name__}: {exc}", traceback.format_exc()) from exc


def activity_failure(name: str, error: ActivityError) -> tuple[str, str]:
    """``TaskFailed`` ``Reason`` and ``Details`` as the real host records them (§3.9)."""
    reason = f"Activity function '{name}' failed: {error.text}"
    details = {
        "$type": "Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException, Microsoft.Azure.WebJobs.Script",
        "ClassName": "Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException",
        "Message": f"Result: Failure\nException: {error.text}\nStack: {error.stack}",
        "Data": None,
        "InnerException": None,
        "HelpURL": None,
        "StackTraceString": None,
        "RemoteStackTraceString": error.stack,
        "RemoteStackIndex": 0,
        "ExceptionMethod": None,
        "HResult": -2146233088,
        "Source": None,
        "WatsonBuckets": None,
        "RemoteMessage": error.text,
        "RemoteTypeName": error.text.split(":", 1)[0],
    }
    return reason, json.dumps(details)


def run_orchestrator(entry: FunctionEntry, context_json: str) -> str:
    """Invoke the registered orchestrator handle with the context JSON (positional, like the worker)."""
    entry.activate()
    return str(entry.callable(func.OrchestrationContext(context_json)))


def run_entity(entry: FunctionEntry, context_json: str) -> str:
    """Invoke the registered entity handle with the entity batch JSON."""
    entry.activate()
    return str(entry.callable(func.EntityContext(context_json)))
