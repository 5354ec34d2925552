"""Schedules of timer triggers: NCRONTAB (``sec min hour day month day-of-week``) or a TimeSpan.

Cron arithmetic is croniter's (seconds first, as NCRONTAB writes them). Two NCRONTAB rules are set
explicitly: a five-field expression fires at second 0, and day-of-month and day-of-week must both
match (NCrontab ANDs them, classic cron ORs them). A TimeSpan (``hh:mm:ss`` or ``d.hh:mm:ss``) is
not cron at all: it fires every interval.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from croniter import croniter

_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$")


class Schedule:
    """A parsed schedule; ``next_after(t)`` is the first occurrence strictly after ``t``.

    Raises:
        ValueError: an expression that is neither a TimeSpan nor a valid NCRONTAB.
    """

    def __init__(self, expression: str) -> None:
        self.expression = expression.strip()
        self.interval: timedelta | None = None
        span = _TIMESPAN.match(self.expression)
        if span:
            days, hours, minutes, seconds = (int(g) if g else 0 for g in span.groups())
            self.interval = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
            return
        fields = self.expression.split()
        if len(fields) == 5:
            fields = ["0", *fields]
        self.cron = " ".join(fields)
        if len(fields) != 6 or not croniter.is_valid(self.cron, second_at_beginning=True):
            raise ValueError(f"invalid NCRONTAB expression {expression!r}")

    def next_after(self, after: datetime) -> datetime:
        """The next occurrence after ``after`` (same timezone)."""
        if self.interval is not None:
            return after + self.interval
        found: datetime = croniter(self.cron, after, second_at_beginning=True, day_or=False).get_next(
            datetime
        )
        return found
