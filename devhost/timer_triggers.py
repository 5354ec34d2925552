"""Timer-triggered functions, fired from the host clock (NCRONTAB or TimeSpan schedules)."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from azure.functions.timer import TimerRequest

from devhost.clock import Clock
from devhost.invoke import make_context
from devhost.loader import FunctionEntry
from devhost.ncrontab import Schedule

log = logging.getLogger("devhost.timer")


class TimerTrigger:
    """One timer-triggered function and its next due time."""

    def __init__(self, entry: FunctionEntry, now: datetime) -> None:
        self.entry = entry
        self.schedule = Schedule(str(getattr(entry.trigger, "schedule", "")))
        self.next_due = self.schedule.next_after(now)
        self.run_on_startup = bool(getattr(entry.trigger, "run_on_startup", False))


class TimerTriggers:
    """Fires due timer triggers; the engine calls ``fire_due`` on every scheduler wake."""

    def __init__(self, entries: list[FunctionEntry], clock: Clock, client_binding: Callable[[], str]) -> None:
        self.clock = clock
        self.client_binding = client_binding
        self.triggers: list[TimerTrigger] = []
        for entry in entries:
            try:
                self.triggers.append(TimerTrigger(entry, clock.now()))
            except ValueError as exc:
                log.error("timer trigger %s not scheduled: %s", entry.name, exc)
        self.running = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Fire the ``run_on_startup`` triggers."""
        for trigger in self.triggers:
            if trigger.run_on_startup:
                self._fire(trigger, past_due=False)

    def due(self, now: datetime) -> bool:
        """Whether some trigger is due (the host is not idle then)."""
        return any(now >= t.next_due for t in self.triggers)

    def next_due(self) -> datetime | None:
        """The earliest next occurrence."""
        return min((t.next_due for t in self.triggers), default=None)

    def fire_due(self) -> None:
        """Start every due trigger once and schedule its next occurrence."""
        now = self.clock.now()
        for trigger in self.triggers:
            if now >= trigger.next_due:
                past_due = (now - trigger.next_due).total_seconds() > 1
                trigger.next_due = trigger.schedule.next_after(now)
                self._fire(trigger, past_due)

    def find(self, name: str) -> TimerTrigger | None:
        """The trigger of the function ``name`` (case-insensitive)."""
        return next((t for t in self.triggers if t.entry.name.lower() == name.lower()), None)

    def fire_now(self, trigger: TimerTrigger) -> None:
        """Run a trigger immediately (admin API), without moving its schedule."""
        self._fire(trigger, past_due=False)

    def _fire(self, trigger: TimerTrigger, past_due: bool) -> None:
        self.running += 1
        task = asyncio.get_running_loop().create_task(self._invoke(trigger, past_due))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _invoke(self, trigger: TimerTrigger, past_due: bool) -> None:
        entry = trigger.entry
        try:
            kwargs: dict[str, Any] = {}
            for binding in entry.bindings:
                name, btype = str(binding.get("name")), binding.get("type")
                if btype == "timerTrigger":
                    kwargs[name] = TimerRequest(
                        past_due=past_due, schedule={"AdjustForDST": True}, schedule_status={}
                    )
                elif btype == "durableClient":
                    kwargs[name] = self.client_binding()
            entry.activate()
            params = inspect.signature(entry.callable).parameters
            if "context" in params:
                kwargs["context"] = make_context(entry)
            if inspect.iscoroutinefunction(entry.callable):
                await entry.callable(**kwargs)
            else:
                result = await asyncio.get_running_loop().run_in_executor(
                    None, lambda: entry.callable(**kwargs)
                )
                if inspect.isawaitable(result):
                    await result
            log.info("Executed 'Functions.%s' (Succeeded)", entry.name)
        except Exception:
            log.exception("Executed 'Functions.%s' (Failed)", entry.name)
        finally:
            self.running -= 1
