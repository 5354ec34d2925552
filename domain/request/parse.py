"""``parse_failback_request``: a body in, a :class:`FailbackRequest` out, or every reason at once."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from domain.errors import RequestInvalid
from domain.i18n import N_, message
from domain.request.errors import RULES, reason_line, reason_messages_of
from domain.request.failback import LOCAL_MODE, FailbackRequest
from domain.request.models import MaintenanceWindow


def parse_failback_request(body: object, *, local_mode: bool = False) -> FailbackRequest:
    """Validate a failback request body.

    pydantic checks every field before the rules that tie fields together (the kind's rules):
    those run only when each field is valid. So that they are listed too, the body is checked
    once more without the fields already refused (their defaults stand in, or they are
    missing), and the rules' reasons of that second look are added.

    Args:
        body: the decoded JSON body.
        local_mode: accept ``http://127.0.0.1``/``localhost`` callback URLs (local runs only).

    Returns:
        The validated request, with defaults filled in.

    Raises:
        RequestInvalid: with every reason at once (unknown fields included).
    """
    if not isinstance(body, Mapping):
        line = reason_line("body", message(N_("must be a JSON object")))
        raise RequestInvalid([line["text"]], [line])
    context = {LOCAL_MODE: local_mode}
    try:
        return FailbackRequest.model_validate(body, context=context)
    except ValidationError as invalid:
        reasons = reason_messages_of(invalid, FailbackRequest)
        refused = [tuple(e["loc"]) for e in invalid.errors() if e["type"] != RULES]
    try:
        FailbackRequest.model_validate(_without(body, refused), context=context)
    except ValidationError as again:
        seen = {r["text"] for r in reasons}
        reasons += [
            r for r in reason_messages_of(again, FailbackRequest, rules_only=True) if r["text"] not in seen
        ]
    raise RequestInvalid([r["text"] for r in reasons], reasons)


def _without(body: Mapping[str, Any], locs: list[tuple[int | str, ...]]) -> dict[str, Any]:
    """A copy of ``body`` without the object key each ``loc`` points at (or into, through a list)."""
    out = copy.deepcopy(dict(body))
    for loc in locs:
        last = max((n for n, part in enumerate(loc) if isinstance(part, str)), default=None)
        if last is None:
            continue
        parent: Any = out
        for part in loc[:last]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        if isinstance(parent, dict):
            parent.pop(loc[last], None)
    return out


def window_problems(window: MaintenanceWindow | None, now: datetime) -> list[str]:
    """Why a maintenance window cannot work any more: it has already ended (checked at request time).

    A window that has started but not ended is fine (the switchover may start at once). Whether the
    window is long enough for the estimated downtime is a pre-flight question (it needs the disks).

    Args:
        window: the request's window, if any.
        now: the current time (aware).

    Returns:
        The reasons, empty when the window can still be used.
    """
    if window is None:
        return []
    end = window.bounds()[1]
    if end <= now:
        current = now.replace(microsecond=0).isoformat()
        return [
            f"maintenanceWindow.end: {end.isoformat()} is already past (now {current}); "
            "give a window that ends in the future"
        ]
    return []
