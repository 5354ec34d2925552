"""Durable entities (reference §3.11): one operation per batch, serialized per entity."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from devhost import history as hist
from devhost.clock import Clock
from devhost.invoke import run_entity
from devhost.jsonfmt import compact, epoch
from devhost.loader import FunctionIndex
from devhost.store import Store

if TYPE_CHECKING:
    from devhost.engine import Engine


def parse_entity_id(scheduler_id: str) -> tuple[str, str]:
    """``"@name@key"`` → ``(name, key)``."""
    _, name, key = scheduler_id.split("@", 2)
    return name, key


def scheduler_id(name: str, key: str) -> str:
    """``(name, key)`` → ``"@name@key"`` (name lower-cased like the SDK)."""
    return f"@{name.lower()}@{key}"


class EntityRunner:
    """Runs entity operations; each entity processes one operation at a time."""

    def __init__(self, store: Store, index: FunctionIndex, clock: Clock, max_concurrent: int = 10) -> None:
        self.store = store
        self.index = index
        self.clock = clock
        self._pool = ThreadPoolExecutor(max_concurrent, thread_name_prefix="devhost-entity")
        self._locks: dict[str, asyncio.Lock] = {}
        self.busy = 0

    def shutdown(self) -> None:
        """Stop the entity worker pool (running operations finish in their threads)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def operate(self, entity: str, op: str, input_text: str | None, signal: bool) -> dict[str, Any]:
        """Run one operation; returns the SDK's ``OperationResult`` dict (or an error dict)."""
        name, key = parse_entity_id(entity)
        entry = self.index.entity(name)
        if entry is None:
            return {"isError": True, "result": compact(f"The function '{name}' doesn't exist.")}
        lock = self._locks.setdefault(entity, asyncio.Lock())
        self.busy += 1
        try:
            async with lock:
                row = self.store.entity(entity)
                context = {
                    "self": {"name": name, "key": key},
                    "exists": bool(row and row["exists_flag"]),
                    "state": row["state"] if row else None,
                    "batch": [{"name": op, "input": input_text, "isSignal": signal}],
                }
                loop = asyncio.get_running_loop()
                reply = json.loads(
                    await loop.run_in_executor(self._pool, run_entity, entry, json.dumps(context))
                )
                with self.store.tx() as db:
                    Store.save_entity(
                        db,
                        entity,
                        name,
                        key,
                        reply.get("entityState"),
                        bool(reply.get("entityExists")),
                        epoch(self.clock.now()),
                    )
                results = reply.get("results") or [{}]
                return dict(results[0])
        finally:
            self.busy -= 1

    async def run_request(self, item: dict[str, Any], engine: Engine) -> None:
        """Process an orchestrator's call/signal work item and answer calls with an EventRaised."""
        request = json.loads(item["input"])
        # The request carries the operation input as JSON text; the entity batch (like the
        # real extension) passes it as a JSON string token, which ``get_input`` decodes twice.
        raw_input = request.get("input")
        batch_input = compact(raw_input) if raw_input is not None else None
        result = await self.operate(item["name"], str(request.get("op")), batch_input, request["signal"])
        with self.store.tx() as db:
            if not Store.delete_work_item(db, item["id"]):
                return
            if request.get("signal"):
                return
            response: dict[str, Any] = {"result": result.get("result") or "null"}
            if result.get("isError"):
                response["exceptionType"] = "System.Exception"
            event = hist.event_raised(engine.now(), str(request["id"]), compact(response))
            Store.add_message(db, item["instance_id"], event, execution_id=item["execution_id"])


async def read_state(store: Store, name: str, key: str) -> tuple[bool, str | None]:
    """(exists, state JSON text) of an entity."""
    row = store.entity(scheduler_id(name, key))
    if not row or not row["exists_flag"]:
        return False, None
    return True, row["state"]
