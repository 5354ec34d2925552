"""Status pages: the HTML timeline of a run and ``GET /api/failbacks`` (the list of runs).

``GET /api/failbacks/{id}`` belongs to ``function_app/failbacks.py`` (JSON); it
calls :func:`render_status_page` when :func:`wants_html` says a browser asked
(docs/contracts.md §8). The page is built only from the JSON body, so what the
browser shows is exactly what the API says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from domain.report import OUTCOMES
from function_app.json_body import json_object
from function_app.responses import html_response, json_response
from function_app.templates import render

bp = df.Blueprint()

#: Default phase order when the body does not list the run's own phases.
PHASES = ["preflight", "sync", "approval", "switchover", "verify", "commit", "reprotect", "report"]
RUN_PREFIX = "fb-"
_FAILED = {"Failed", "Terminated", "Canceled"}
_TONES = {"Completed": "success", "Failed": "error", "Terminated": "error", "Canceled": "error"}


def wants_html(req: func.HttpRequest) -> bool:
    """Whether the client prefers HTML: ``?format=html``, or ``Accept`` ranking text/html first."""
    fmt = (req.params.get("format") or "").lower()
    if fmt in {"html", "json"}:
        return fmt == "html"
    best_html, best_json = 0.0, 0.0
    for part in (req.headers.get("accept") or "").split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.strip().lower()
        if media in {"text/html", "application/xhtml+xml"}:
            best_html = max(best_html, q)
        elif media in {"application/json", "application/problem+json"}:
            best_json = max(best_json, q)
    return best_html > 0 and best_html > best_json


def _detail(entry: Mapping[str, Any]) -> str:
    skip = {"at", "phase", "event"}
    return ", ".join(
        f"{k}: {v}" for k, v in entry.items() if k not in skip and not isinstance(v, dict | list)
    )


def _phase_rows(
    order: list[str], durations: list[dict[str, Any]], current: str | None, runtime: str
) -> list[dict[str, Any]]:
    seconds = {d.get("phase"): d.get("seconds") for d in durations if isinstance(d, dict)}
    at = order.index(current) if current in order else None
    rows = []
    for i, name in enumerate(order):
        if runtime == "Completed":
            state = "done" if name in seconds or not seconds else "skipped"
        elif at is None:
            state = "done" if name in seconds else "pending"
        elif i < at:
            state = "done"
        elif i == at:
            state = "failed" if runtime in _FAILED else "current"
        else:
            state = "pending"
        rows.append({"name": name, "state": state, "seconds": seconds.get(name)})
    return rows


def status_context(body: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten the JSON status body into what the template shows (tolerant of missing keys)."""
    custom = json_object(body.get("customStatus"))
    report = json_object(body.get("output") or body.get("report"))
    runtime = str(body.get("runtimeStatus") or body.get("status") or "Unknown")
    run_id = str(body.get("runId") or body.get("instanceId") or body.get("id") or report.get("runId") or "?")
    timeline = report.get("timeline") or custom.get("timeline") or body.get("timeline") or []
    phase = custom.get("phase") or body.get("phase")
    listed = body.get("phases") if isinstance(body.get("phases"), list) else None
    listed = listed or [p for p in report.get("phases") or [] if isinstance(p, dict)]
    order = [str(p if isinstance(p, str) else p.get("phase")) for p in listed] or list(PHASES)
    item = report.get("item") or body.get("item") or {}
    vm = item.get("friendlyName") or item.get("name") if isinstance(item, dict) else None
    facts = [
        (label, report.get(key) if key in report else body.get(key))
        for label, key in [
            ("Outcome", "outcome"),
            ("Downtime (s)", "downtimeSeconds"),
            ("Started", "startedAt"),
            ("Finished", "finishedAt"),
            ("Created", "createdTime"),
            ("Last update", "lastUpdatedTime"),
        ]
    ]
    progress = custom.get("progress") or body.get("progress")
    return {
        "run_id": run_id,
        "vm": vm,
        "runtime": runtime,
        "tone": _TONES.get(runtime, "info"),
        "phase": phase,
        "step": custom.get("step") or body.get("step"),
        "message": custom.get("message") or body.get("message"),
        "awaiting": custom.get("awaiting") or body.get("awaiting"),
        "progress": progress if isinstance(progress, dict) else None,
        "phases": _phase_rows(order, report.get("phases") or [], phase, runtime),
        "events": [
            {"at": e.get("at"), "phase": e.get("phase"), "event": e.get("event"), "detail": _detail(e)}
            for e in timeline
            if isinstance(e, dict)
        ],
        "facts": [(k, v) for k, v in facts if v not in (None, "")],
    }


def render_status_page(status: Mapping[str, Any]) -> str:
    """Render the HTML timeline of one run from the JSON body of ``GET /api/failbacks/{id}``."""
    return render("status.html", **status_context(status))


def run_summary(status: df.DurableOrchestrationStatus) -> dict[str, Any]:
    """One row of the run list."""
    custom = json_object(status.custom_status)
    runtime = status.runtime_status.value if status.runtime_status else None
    # A finished run publishes its outcome as its last step (orchestrators.failback.finish).
    outcome = custom.get("outcome") or (custom.get("step") if custom.get("step") in OUTCOMES else None)
    return {
        "runId": status.instance_id,
        "runtimeStatus": runtime,
        "outcome": outcome if runtime == "Completed" else None,
        "createdTime": status.created_time.isoformat() if status.created_time else None,
        "lastUpdatedTime": status.last_updated_time.isoformat() if status.last_updated_time else None,
        "phase": custom.get("phase"),
        "step": custom.get("step"),
        "awaiting": custom.get("awaiting"),
    }


def is_run(instance_id: str | None) -> bool:
    """Runs only: not their gate, tracker or other sub-orchestrations (ids with ``:``)."""
    return bool(instance_id) and str(instance_id).startswith(RUN_PREFIX) and ":" not in str(instance_id)


@bp.route(route="failbacks", methods=["GET"])
@bp.durable_client_input(client_name="client")
async def list_failbacks(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """List runs, newest first (JSON, or HTML for a browser)."""
    statuses = await client.get_status_by(instance_id_prefix=RUN_PREFIX)
    runs = [run_summary(s) for s in statuses if is_run(s.instance_id)]
    runs.sort(key=lambda r: r["createdTime"] or "", reverse=True)
    if wants_html(req):
        return html_response(render("runs.html", runs=runs))
    return json_response({"runs": runs})
