"""NCRONTAB schedules of timer triggers (``sec min hour day month day-of-week``) and TimeSpans."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_NAMES = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    "sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
}  # fmt: skip
_RANGES = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$")


def _value(text: str) -> int:
    text = text.strip().lower()
    return _NAMES[text] if text in _NAMES else int(text)


def _field(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a), _value(b)
        else:
            start = _value(part)
            end = high if step > 1 else start
        values.update(range(start, end + 1, step))
    if low == 0 and high == 6 and 7 in values:  # Sunday as 7
        values.add(0)
    return {v for v in values if low <= v <= high}


class Schedule:
    """A parsed schedule; ``next_after(t)`` is the first occurrence strictly after ``t``."""

    def __init__(self, expression: str) -> None:
        self.expression = expression.strip()
        span = _TIMESPAN.match(self.expression)
        self.interval: timedelta | None = None
        if span:
            days, hours, minutes, seconds = (int(g) if g else 0 for g in span.groups())
            self.interval = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
            return
        fields = self.expression.split()
        if len(fields) == 5:
            fields = ["0", *fields]
        if len(fields) != 6:
            raise ValueError(f"invalid NCRONTAB expression {expression!r}")
        self.sets = [_field(f, lo, hi) for f, (lo, hi) in zip(fields, _RANGES, strict=True)]

    def next_after(self, after: datetime) -> datetime:
        """The next occurrence after ``after`` (same timezone)."""
        if self.interval is not None:
            return after + self.interval
        seconds, minutes, hours, days, months, weekdays = self.sets
        start = after.replace(microsecond=0) + timedelta(seconds=1)
        day = start.replace(hour=0, minute=0, second=0)
        for offset in range(0, 366 * 5):
            candidate = day + timedelta(days=offset)
            weekday = (candidate.weekday() + 1) % 7  # cron: Sunday = 0
            if candidate.month not in months or candidate.day not in days or weekday not in weekdays:
                continue
            for hour in sorted(hours):
                for minute in sorted(minutes):
                    for second in sorted(seconds):
                        when = candidate.replace(hour=hour, minute=minute, second=second)
                        if when >= start:
                            return when
        raise ValueError(f"schedule {self.expression!r} never fires")
