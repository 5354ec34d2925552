"""``GET /api/failbacks/{id}/report?format=json|html|csv``: the sealed record of an ended run.

The orchestrator hash-chains the report (``domain.report_seal.chain_report``); this route, which
holds the signing key (``APPROVAL_SIGNING_KEY``, a Key Vault reference in Azure), signs the
chain's head when the record leaves the app, and refuses to sign a chain that does not hold.

- ``json``: the canonical export (``domain.report_seal.export_json``) that
  ``python -m cli verify-report FILE`` checks byte for byte.
- ``html``: the printable report (``templates/report.html``) in the caller's language.
- ``csv``: for waves one row per VM; for a single run one row per timeline event.

``python -m cli report RUN --format ...`` downloads these.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from domain.i18n import gettext_for
from domain.report_seal import INTEGRITY, export_json, seal
from function_app.problem import language, problem, unknown_run
from function_app.responses import html_response
from function_app.run_lookup import RUNNING, get_run
from function_app.status_links import signed_status_url, signing_ring
from function_app.status_pages import language_of
from function_app.status_view import banner
from function_app.templates import render

bp = df.Blueprint()

FORMATS = ("json", "html", "csv")
_SHOWN_ELSEWHERE = {"at", "phase", "event", "prevHash", "votes", "approvers", "decidedAt"}
_WAVE_COLUMNS = ["wave", "vm", "outcome", "runId", "startedAt", "downtimeSeconds", "asrJobs", "error"]
_EVENT_COLUMNS = [
    "at",
    "phase",
    "event",
    "jobId",
    "state",
    "decision",
    "by",
    "comment",
    "details",
    "prevHash",
]


def sealed(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report with its head signed (unchanged when no key is configured)."""
    ring = signing_ring()
    return seal(report, ring) if ring is not None else dict(report)


def _details(entry: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{k}={v}" for k, v in entry.items() if k not in _SHOWN_ELSEWHERE and v not in (None, "")
    )


def _vm(report: Mapping[str, Any]) -> str:
    item = report.get("item")
    if isinstance(item, Mapping):
        return str(item.get("friendlyName") or item.get("name") or "")
    return ", ".join(str(r.get("vm")) for r in report.get("vms") or [] if isinstance(r, Mapping))


def _jobs(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    if report.get("kind") != "waves":
        return [dict(j) for j in report.get("asrJobs") or [] if isinstance(j, Mapping)]
    return [
        {**j, "vm": row.get("vm")}
        for row in report.get("vms") or []
        if isinstance(row, Mapping)
        for j in row.get("asrJobs") or []
        if isinstance(j, Mapping)
    ]


def report_html(report: Mapping[str, Any], lang: str) -> str:
    """The printable report page."""
    return render(
        "report.html",
        lang=lang,
        report=report,
        vm=_vm(report),
        banner=banner({"outcome": report.get("outcome"), "report": report}, lang),
        decisions=[d for d in report.get("decisions") or [] if isinstance(d, Mapping)],
        jobs=_jobs(report),
        integrity=report.get(INTEGRITY),
        details=_details,
    )


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet must not run a comment as a formula (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_csv(report: Mapping[str, Any]) -> str:
    """CSV rows: one per VM for waves, one per timeline event otherwise (header row first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if report.get("kind") == "waves":
        writer.writerow(_WAVE_COLUMNS)
        for row in report.get("vms") or []:
            jobs = "; ".join(
                f"{j.get('operation')}:{j.get('jobId')}:{j.get('state')}" for j in row.get("asrJobs") or []
            )
            error = row.get("error") or {}
            cells = [row.get(c) for c in _WAVE_COLUMNS[:6]] + [jobs, error.get("code") if error else None]
            writer.writerow([_cell(c) for c in cells])
    else:
        writer.writerow(_EVENT_COLUMNS)
        for entry in report.get("timeline") or []:
            cells = [entry.get(c) for c in _EVENT_COLUMNS[:8]] + [_details(entry), entry.get("prevHash")]
            writer.writerow([_cell(c) for c in cells])
    return out.getvalue()


@bp.route(route="failbacks/{id}/report", methods=["GET"])
@bp.durable_client_input(client_name="client")
async def export_failback_report(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """The sealed report of an ended run as JSON (verifiable offline), printable HTML or CSV."""
    instance_id = req.route_params.get("id", "")
    _ = gettext_for(language_of(req))
    fmt = (req.params.get("format") or "json").lower()
    if fmt not in FORMATS:
        return problem(
            400,
            _("Unknown format"),
            errors=[f"format: must be one of {', '.join(FORMATS)}"],
            lang=language(req),
        )
    status = await get_run(client, instance_id)
    if status is None:
        return unknown_run(instance_id, language(req))
    if status.runtime_status in RUNNING or status.runtime_status == df.OrchestrationRuntimeStatus.Suspended:
        return problem(
            409,
            _("The run has not ended"),
            _("The report exists once the run has ended; follow its status."),
            code="RUN_RUNNING",
            lang=language(req),
            headers={"Location": signed_status_url(req, instance_id), "Retry-After": "10"},
        )
    if not isinstance(status.output, dict):
        return problem(409, _("The run ended without a report"), code="NO_REPORT", lang=language(req))
    report = sealed(status.output)
    name = f"{instance_id}.report.{fmt}"
    head = str((report.get(INTEGRITY) or {}).get("head") or "")
    headers = {
        "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Report-Head": head,
    }
    if fmt == "html":
        page = html_response(report_html(report, language_of(req)), 200, lang=language_of(req))
        page.headers["X-Report-Head"] = head
        return page
    if fmt == "csv":
        return func.HttpResponse(report_csv(report), status_code=200, mimetype="text/csv", headers=headers)
    return func.HttpResponse(
        export_json(report), status_code=200, mimetype="application/json", headers=headers
    )
