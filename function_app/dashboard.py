"""The status dashboard's context: banner, phase strip (Gantt), ASR job steps, per-VM rows, links.

Built only from the JSON body of ``GET /api/failbacks/{id}`` (the page polls that JSON and
redraws itself), so what the browser shows is exactly what the API says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from domain import i18n
from domain.i18n import N_
from domain.outcome_texts import outcome_tone
from domain.timeline import AZURE_VM_SHUTDOWN, ONPREM_VERIFIED
from function_app.json_body import json_object
from function_app.status_view import banner, failed_checks, outcome_of, phase_rows, portal_links

_SKIP = {"at", "phase", "event"}
#: The exports of an ended run's record (``GET /api/failbacks/{id}/report?format=``), in page order.
EXPORTS = (
    ("html", N_("Printable report (HTML)")),
    ("json", N_("JSON, sealed: python -m cli verify-report checks it offline")),
    ("csv", N_("CSV (one row per VM for waves, per event otherwise)")),
)


def _detail(entry: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{k}: {v}" for k, v in entry.items() if k not in _SKIP and not isinstance(v, dict | list)
    )


def gantt(rows: list[dict[str, Any]], timeline: Sequence[Mapping[str, Any]], now: datetime) -> dict[str, Any]:
    """Bars of the phases on one time axis (percent of the run's span) and the downtime band."""
    times = [i18n.parse_when(r.get(k)) for r in rows for k in ("start", "end")]
    times += [i18n.parse_when(e.get("at")) for e in timeline]
    known = [t for t in times if t is not None]
    if not known:
        return {"bars": [], "downtime": None}
    start, end = (
        min(known),
        max([*known, now]) if any(r["state"] in ("current", "waiting") for r in rows) else max(known),
    )
    span = max((end - start).total_seconds(), 1.0)

    def pct(when: datetime | None) -> float:
        return round(100.0 * ((when or end) - start).total_seconds() / span, 2)

    bars = []
    for r in rows:
        begin = i18n.parse_when(r.get("start"))
        if begin is None:
            continue
        left = pct(begin)
        width = max(pct(i18n.parse_when(r.get("end"))) - left, 0.8)
        bars.append(
            {"name": r["name"], "label": r["label"], "state": r["state"], "left": left, "width": width}
        )
    down = next((i18n.parse_when(e.get("at")) for e in timeline if e.get("event") == AZURE_VM_SHUTDOWN), None)
    up = next((i18n.parse_when(e.get("at")) for e in timeline if e.get("event") == ONPREM_VERIFIED), None)
    band = None
    if down is not None:
        left = pct(down)
        band = {"left": left, "width": max(pct(up) - left, 0.8), "open": up is None, "start": down, "end": up}
    return {"bars": bars, "downtime": band, "start": start, "end": end}


def job_rows(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ASR jobs with their steps (tasks), newest last."""
    report = json_object(body.get("report"))
    jobs = {str(j.get("jobId")): dict(j) for j in report.get("asrJobs") or [] if isinstance(j, dict)}
    for j in body.get("asrJobs") or []:
        if isinstance(j, dict) and j.get("jobId"):
            jobs.setdefault(str(j["jobId"]), {}).update({k: v for k, v in j.items() if v is not None})
    if body.get("jobId") and str(body["jobId"]) not in jobs:
        jobs[str(body["jobId"])] = {"jobId": body["jobId"], "state": "InProgress"}
    return list(jobs.values())


def vm_rows(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per-VM rows of a waves or recovery-plan run (from the report, else the live status)."""
    report = json_object(body.get("report"))
    source = report.get("vms") or report.get("items") or json_object(body.get("customStatus")).get("latest")
    source = source or body.get("latest") or []
    rows = []
    for r in source:
        if not isinstance(r, dict):
            continue
        error = json_object(r.get("error"))
        rows.append(
            {
                "wave": r.get("wave"),
                "vm": r.get("vm") or r.get("friendlyName") or r.get("name"),
                "outcome": r.get("outcome"),
                "tone": outcome_tone(r.get("outcome")) if r.get("outcome") else "info",
                "downtime": r.get("downtimeSeconds"),
                "runId": r.get("runId"),
                "error": error.get("message") or "",
            }
        )
    return rows


def status_context(body: Mapping[str, Any], lang: str, now: datetime | None = None) -> dict[str, Any]:
    """Everything the status page shows (from the API's JSON, or a raw durable status)."""
    flat = {**json_object(body.get("customStatus")), **{k: v for k, v in body.items() if v is not None}}
    report = json_object(flat.get("report") or flat.get("output"))
    body = {**flat, "report": report}
    run_id = str(body.get("id") or body.get("runId") or report.get("runId") or "?")
    timeline = [e for e in body.get("timeline") or report.get("timeline") or [] if isinstance(e, dict)]
    item = json_object(report.get("item") or body.get("item"))
    rows = phase_rows(body, lang)
    jobs = job_rows(body)
    error = json_object(report.get("error"))
    progress = body.get("progress")
    return {
        "run_id": run_id,
        "vm": item.get("friendlyName") or item.get("name"),
        "kind": report.get("kind"),
        "banner": banner(body, lang),
        "outcome": outcome_of(body),
        "running": outcome_of(body) is None and str(body.get("runtimeStatus")) in ("Running", "Pending"),
        "message": body.get("message") if outcome_of(body) is None else report.get("message"),
        "error": error,
        "checks": failed_checks(report, lang),
        "progress": progress if isinstance(progress, dict) else None,
        "phases": rows,
        "gantt": gantt(rows, timeline, now or datetime.now(UTC)),
        "jobs": jobs,
        "vms": vm_rows(body),
        "links": portal_links(report, [str(j["jobId"]) for j in jobs if j.get("jobId")]),
        "events": [
            {"at": e.get("at"), "phase": e.get("phase"), "event": e.get("event"), "detail": _detail(e)}
            for e in timeline
        ],
        "downtime": report.get("downtimeSeconds"),
        "started": report.get("startedAt") or body.get("createdTime"),
        "finished": report.get("finishedAt"),
        # Only a run that ended with a report has a record to export (else the route answers 409).
        "exports": [{"format": f, "label": label} for f, label in EXPORTS] if outcome_of(body) else [],
        "advice": [str(a) for a in report.get("advice") or []]
        + [str(a) for a in report.get("afterEffects") or []],
    }
