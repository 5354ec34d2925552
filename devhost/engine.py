"""The durable engine: schedules episodes and activities on the host's event loop.

Episodes of one instance never overlap. Orchestrator calls run in a thread pool bounded by
``maxConcurrentOrchestratorFunctions``; activities in another bounded by
``maxConcurrentActivityFunctions``. Every state change is committed to SQLite before any
work it creates is started, so a restart resumes from the store alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from devhost import history as hist
from devhost.batching import select_batch
from devhost.clock import Clock
from devhost.entities import EntityRunner
from devhost.episode import Episode, Outbox
from devhost.history import TERMINAL, EventType
from devhost.instances import new_instance_row
from devhost.invoke import (
    ActivityError,
    activity_failure,
    client_binding_names,
    run_activity,
    run_activity_with_client,
    run_orchestrator,
)
from devhost.jsonfmt import compact, epoch, from_epoch
from devhost.loader import FunctionIndex
from devhost.store import Store
from devhost.timer_triggers import TimerTriggers
from devhost.versioning import FAIL, VersionPolicy
from devhost.webrequest import run_http_activity

log = logging.getLogger("devhost.engine")


class Engine:
    """Runs orchestrations and activities from the store."""

    def __init__(
        self,
        store: Store,
        index: FunctionIndex,
        clock: Clock,
        *,
        max_activities: int,
        max_orchestrators: int,
        max_entities: int = 10,
    ) -> None:
        self.store = store
        self.index = index
        self.clock = clock
        self._orch_pool = ThreadPoolExecutor(max_orchestrators, thread_name_prefix="devhost-orch")
        self._act_pool = ThreadPoolExecutor(max_activities, thread_name_prefix="devhost-act")
        self._orch_slots = asyncio.Semaphore(max_orchestrators)
        self._act_slots = asyncio.Semaphore(max_activities)
        self._running: set[str] = set()
        self._activities = 0
        self._dispatched: set[int] = set()
        self._wake = asyncio.Event()
        self._stopped = False
        self._task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self.entities = EntityRunner(store, index, clock, max_entities)
        self.http_inflight = 0
        self.episodes_run = 0
        self.timers: TimerTriggers | None = None
        #: the durableClient binding JSON for activities that declare one (set by the server)
        self.client_binding: Callable[[], str] | None = None
        self.timer_durations = ("6.00:00:00", "3.00:00:00")
        self.default_version: str | None = None
        self.version_policy = VersionPolicy()
        # Instances whose version this worker rejects (versionFailureStrategy Reject): left as they
        # are until a new message (e.g. terminate) arrives, instead of being retried in a loop.
        self._rejected: set[str] = set()
        self.function_timeout: float | None = None
        self.function_timeout_text = ""
        self._orphans_checked = 0.0

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start scheduling (call on the event loop); re-dispatches unfinished work items."""
        for item in self.store.work_items():
            self._dispatch(item)
        self._task = asyncio.get_running_loop().create_task(self._schedule_loop())
        if self.timers:
            self.timers.start()

    async def stop(self) -> None:
        """Stop scheduling; running activities finish in their threads."""
        self._stopped = True
        self.poke()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._orch_pool.shutdown(wait=False, cancel_futures=True)
        self._act_pool.shutdown(wait=False, cancel_futures=True)
        self.entities.shutdown()

    def poke(self) -> None:
        """Wake the scheduler (new messages or the clock moved)."""
        self._wake.set()

    def now(self) -> datetime:
        """The host clock's time."""
        return self.clock.now()

    # -- idle / timers (used by drive) -------------------------------------------------------
    def is_idle(self) -> bool:
        """No episode, activity or HTTP request running and nothing runnable now."""
        if self._running or self._activities or self.http_inflight or self.entities.busy:
            return False
        if self.timers and self.timers.running:
            return False
        if (self.timers and self.timers.due(self.now())) or self._runnable(epoch(self.now())):
            self.poke()  # someone moved the clock without telling the scheduler
            return False
        return True

    def next_timer(self) -> datetime | None:
        """When the next durable timer (or delayed message) becomes visible."""
        value = self.store.next_visible_at(epoch(self.now()))
        return from_epoch(value) if value is not None else None

    # -- public operations -------------------------------------------------------------------
    def start_instance(
        self, name: str, instance_id: str, input_json: str | None, version: str | None = None
    ) -> None:
        """Create (or replace a finished) instance and queue its ExecutionStarted."""
        self._rejected.discard(instance_id)
        row = new_instance_row(instance_id, name, input_json, self.now(), version=version)
        with self.store.tx() as db:
            Store.delete_instance(db, instance_id)
            self._insert_instance(db, row)
        self._kick(instance_id)
        self.poke()

    def send(self, instance_id: str, event: hist.Event, execution_id: str | None = None) -> None:
        """Queue a message (event, terminate, suspend, resume) for an instance."""
        self._rejected.discard(instance_id)
        with self.store.tx() as db:
            Store.add_message(db, instance_id, event, execution_id=execution_id)
        self._kick(instance_id)
        self.poke()

    def _kick(self, instance_id: str) -> None:
        """Start an episode for an instance that just got a message (no scheduler round trip)."""
        if instance_id not in self._running and not self._stopped:
            self._running.add(instance_id)
            self._spawn(self._episode(instance_id))

    # -- scheduler ---------------------------------------------------------------------------
    async def _schedule_loop(self) -> None:
        while not self._stopped:
            self._wake.clear()
            try:
                self._start_runnable()
            except Exception:  # keep the host alive; the next wake retries
                log.exception("scheduler error")
            timeout = self._sleep_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def _start_runnable(self) -> None:
        if self.timers:
            self.timers.fire_due()
        now = epoch(self.now())
        for instance_id in self._runnable(now):
            self._kick(instance_id)
        if time.monotonic() - self._orphans_checked > 1.0:
            self._orphans_checked = time.monotonic()
            for instance_id in self.store.orphan_message_instances():
                with self.store.tx() as db:
                    db.execute("DELETE FROM messages WHERE instance_id=?", (instance_id,))

    def _runnable(self, now: float) -> list[str]:
        return [i for i in self.store.runnable_instances(now) if i not in self._rejected]

    def _sleep_seconds(self) -> float | None:
        nxt = self.next_timer()
        trigger_due = self.timers.next_due() if self.timers else None
        if trigger_due is not None and (nxt is None or trigger_due < nxt):
            nxt = trigger_due
        if nxt is None:
            return None if _is_virtual(self.clock) else 1.0
        seconds = self.clock.real_seconds_until(nxt)
        if seconds is None:
            return None
        return min(max(seconds, 0.0), 1.0)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- episodes ----------------------------------------------------------------------------
    async def _episode(self, instance_id: str) -> None:
        try:
            async with self._orch_slots:
                await self._run_episode(instance_id)
        except Exception as exc:
            log.exception("episode of %s failed", instance_id)
            self._fail_on_host_error(instance_id, exc)
        finally:
            self._running.discard(instance_id)
            self.episodes_run += 1
            self.poke()

    def _fail_on_host_error(self, instance_id: str, exc: Exception) -> None:
        """Fail an instance whose episode broke inside the host, instead of retrying forever."""
        row = self.store.instance(instance_id)
        if row is None or row["status"] in TERMINAL:
            return
        row.update(
            status="Failed",
            output=compact(f"devhost internal error: {exc!r}"),
            last_updated=epoch(self.now()),
        )
        with self.store.tx() as db:
            Store.save_instance(db, row)
            db.execute("DELETE FROM messages WHERE instance_id=?", (instance_id,))
            db.execute("DELETE FROM work_items WHERE instance_id=?", (instance_id,))

    async def _run_episode(self, instance_id: str) -> None:
        row = self.store.instance(instance_id)
        if row is None or row["status"] in TERMINAL:
            return
        messages = self.store.due_messages(instance_id, epoch(self.now()))
        stale = [m for m in messages if m["execution_id"] not in (None, row["execution_id"])]
        if row["status"] != "Suspended":
            # A resume that finds the instance not suspended (e.g. it was resumed twice) is dropped.
            stale += [m for m in messages if m["etype"] == EventType.ExecutionResumed and m not in stale]
        fresh = [m for m in messages if m not in stale]
        history = self.store.history(instance_id)
        if not history:
            # A new execution starts with its ExecutionStarted, whatever arrived before it.
            starts = [m for m in fresh if m["etype"] == EventType.ExecutionStarted]
            if starts:
                fresh = [starts[0]] + [m for m in fresh if m is not starts[0]]
            elif not any(m["etype"] == EventType.ExecutionTerminated for m in fresh):
                fresh = []
        batch = select_batch(row, fresh)
        if not batch:
            unusable = list(stale)
            if not stale and row["status"] != "Suspended":
                # Nothing here can ever be processed (no ExecutionStarted for a new execution):
                # drop it rather than wake the scheduler forever.
                log.warning("dropping %d unprocessable messages of %s", len(messages), instance_id)
                unusable = messages
            if unusable:
                with self.store.tx() as db:
                    Store.delete_messages(db, [m["id"] for m in unusable])
            return
        episode = Episode(
            row, history, batch, self.now(), self.index, self.timer_durations, self.default_version
        )
        outbox = episode.control()
        if outbox is None:
            mismatch = self.version_policy.mismatch(episode.version())
            if mismatch is not None and self.version_policy.failure != FAIL:
                log.warning("%s: %s Rejected; the instance stays as it is.", instance_id, mismatch)
                self._rejected.add(instance_id)
                return
            if mismatch is not None:
                outbox = episode.fail_now(mismatch)
            else:
                outbox = await self._invoke(episode)
        outbox.consumed.extend(m["id"] for m in stale)
        self._commit(outbox, len(history), row["execution_id"])

    async def _invoke(self, episode: Episode) -> Outbox:
        entry = self.index.orchestrator(episode.row["name"])
        if entry is None:
            return episode.apply(None, RuntimeError(f"The function '{episode.row['name']}' doesn't exist"))
        context = episode.context_json()
        loop = asyncio.get_running_loop()
        try:
            reply = await loop.run_in_executor(self._orch_pool, run_orchestrator, entry, context)
        except Exception as exc:  # the handle raises with the $OutOfProcData$ payload
            return episode.apply(None, exc)
        return episode.apply(reply, None)

    def _commit(self, out: Outbox, history_len: int, execution_id: str) -> None:
        row = out.instance
        instance_id = row["instance_id"]
        items: list[dict[str, Any]] = []
        with self.store.tx() as db:
            current = db.execute(
                "SELECT execution_id, status FROM instances WHERE instance_id=?", (instance_id,)
            ).fetchone()
            if current is None or current["execution_id"] != execution_id or current["status"] in TERMINAL:
                # Purged, replaced or terminated while the orchestrator ran: drop this episode.
                return
            Store.delete_messages(db, out.consumed)
            if out.reset_history:
                Store.replace_history(db, instance_id, out.append)
                # Work and timers of the finished generation are dropped (results would be stale).
                db.execute(
                    "DELETE FROM work_items WHERE instance_id=? AND execution_id!=?",
                    (instance_id, row["execution_id"]),
                )
                db.execute(
                    "DELETE FROM messages WHERE instance_id=? AND execution_id IS NOT NULL"
                    " AND execution_id!=?",
                    (instance_id, row["execution_id"]),
                )
            else:
                Store.append_history(db, instance_id, history_len, out.append)
            Store.save_instance(db, row)
            if out.terminal:
                # Earlier work is abandoned; work issued by this very episode still runs (below).
                db.execute("DELETE FROM messages WHERE instance_id=?", (instance_id,))
                db.execute("DELETE FROM work_items WHERE instance_id=?", (instance_id,))
            for msg in out.messages:
                Store.add_message(
                    db, msg.instance_id, msg.event, execution_id=msg.execution_id, visible_at=msg.visible_at
                )
            for child in out.new_instances:
                existing = self.store.instance(child["instance_id"])
                if existing is not None and existing["status"] not in TERMINAL:
                    continue
                Store.delete_instance(db, child["instance_id"])
                self._insert_instance(db, child)
            items = [
                {
                    "id": Store.add_work_item(
                        db, instance_id, row["execution_id"], w.task_id, w.kind, w.name, w.input_text
                    ),
                    "instance_id": instance_id,
                    "execution_id": row["execution_id"],
                    "task_id": w.task_id,
                    "kind": w.kind,
                    "name": w.name,
                    "input": w.input_text,
                }
                for w in out.work_items
            ]
        for item in items:
            self._dispatch(item)

    @staticmethod
    def _insert_instance(db: Any, row: dict[str, Any]) -> None:
        start = row.pop("start_event")
        Store.save_instance(db, row)
        Store.add_message(db, row["instance_id"], start, execution_id=row["execution_id"])

    # -- activities --------------------------------------------------------------------------
    def signal_entity(self, entity_id: str, op: str, value_text: str | None) -> None:
        """Queue a client's entity signal durably (``value_text``: JSON text of the input)."""
        request = {"id": str(uuid.uuid4()), "op": op, "signal": True, "input": value_text}
        with self.store.tx() as db:
            item_id = Store.add_work_item(db, entity_id, "", -1, "entity", entity_id, compact(request))
        self._dispatch(
            {
                "id": item_id,
                "instance_id": entity_id,
                "execution_id": "",
                "task_id": -1,
                "kind": "entity",
                "name": entity_id,
                "input": compact(request),
            }
        )

    def dispatch(self, item: dict[str, Any]) -> None:
        """Start a stored work item unless it already runs."""
        self._dispatch(item)

    def _dispatch(self, item: dict[str, Any]) -> None:
        if item["id"] in self._dispatched:
            return
        self._dispatched.add(item["id"])
        self._activities += 1
        self._spawn(self._run_work_item(item))

    async def _run_work_item(self, item: dict[str, Any]) -> None:
        try:
            if item["kind"] == "entity":
                await self.entities.run_request(item, self)
                return
            async with self._act_slots:
                event = await self._execute(item)
            with self.store.tx() as db:
                recorded = Store.delete_work_item(db, item["id"])
                if recorded:
                    Store.add_message(db, item["instance_id"], event, execution_id=item["execution_id"])
            if recorded:
                self._kick(item["instance_id"])
        except Exception:
            log.exception("work item %s failed", item["id"])
        finally:
            self._activities -= 1
            self._dispatched.discard(item["id"])
            self.poke()

    async def _execute(self, item: dict[str, Any]) -> hist.Event:
        loop = asyncio.get_running_loop()
        if item["kind"] == "http":
            request = json.loads(item["input"] or "{}")
            try:
                result = await run_http_activity(request)
            except Exception as exc:  # connection errors etc. fail the task like the extension
                reason = f"Activity function '{item['name']}' failed: {type(exc).__name__}: {exc}"
                return hist.task_failed(self.now(), item["task_id"], reason, None)
            return hist.task_completed(self.now(), item["task_id"], result)
        entry = self.index.activity(item["name"])
        if entry is None:
            reason = (
                f"The function '{item['name']}' doesn't exist, is disabled, or is not an activity function."
            )
            return hist.task_failed(self.now(), item["task_id"], reason, None)
        started = time.monotonic()
        log.info(
            "Executing 'Functions.%s' (Reason='activity of %s', Id=%s)",
            entry.name,
            item["instance_id"],
            item["id"],
        )
        call: Awaitable[str]
        if client_binding_names(entry) and self.client_binding is not None:
            call = run_activity_with_client(entry, item["input"], self.client_binding())
        else:
            call = loop.run_in_executor(self._act_pool, run_activity, entry, item["input"])
        try:
            result = await asyncio.wait_for(call, self.function_timeout)
        except TimeoutError:
            # Like the host's FunctionTimeoutException (the real worker would then be restarted).
            limit = self.function_timeout_text
            text = f"Timeout value of {limit} was exceeded by function: Functions.{entry.name}"
            log.warning("Executed 'Functions.%s' (Failed, Id=%s): %s", entry.name, item["id"], text)
            reason = f"Activity function '{entry.durable_name or item['name']}' failed: {text}"
            return hist.task_failed(self.now(), item["task_id"], reason, None)
        except ActivityError as err:
            log.warning("Executed 'Functions.%s' (Failed, Id=%s): %s", entry.name, item["id"], err.text)
            reason, details = activity_failure(entry.durable_name or item["name"], err)
            return hist.task_failed(self.now(), item["task_id"], reason, details)
        elapsed = (time.monotonic() - started) * 1000
        log.info("Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)", entry.name, item["id"], elapsed)
        return hist.task_completed(self.now(), item["task_id"], result)


def _is_virtual(clock: Clock) -> bool:
    return type(clock).__name__ == "VirtualClock"
