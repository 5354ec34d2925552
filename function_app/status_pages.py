"""Status pages: the HTML dashboard of a run and ``GET /api/failbacks`` (the list of runs).

``GET /api/failbacks/{id}`` belongs to ``function_app/failbacks.py`` (JSON); it
calls :func:`render_status_page` when :func:`wants_html` says a browser asked
(docs/contracts.md §8). The page is built only from the JSON body, so what the
browser shows is exactly what the API says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import azure.durable_functions as df
import azure.functions as func
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from domain import i18n
from domain.i18n import N_
from domain.outcome_texts import OUTCOME_LABELS, outcome_tone
from domain.report import OUTCOMES
from function_app.dashboard import status_context
from function_app.json_body import json_object
from function_app.responses import html_response, json_response
from function_app.templates import render

bp = df.Blueprint()

RUN_PREFIX = "fb-"
_DEAD = {"Failed", "Terminated", "Canceled"}
_RUNTIME_LABELS = {
    "Failed": N_("Ended without a report"),
    "Terminated": N_("Terminated"),
    "Canceled": N_("Terminated"),
    "Completed": N_("Ended without a report"),
    "Running": N_("Running"),
    "Pending": N_("Running"),
    "Suspended": N_("Suspended"),
}


def wants_html(req: func.HttpRequest) -> bool:
    """Whether the client prefers HTML: ``?format=html``, or ``Accept`` ranking text/html first."""
    fmt = (req.params.get("format") or "").lower()
    if fmt in {"html", "json"}:
        return fmt == "html"
    accepted = parse_accept_header(req.headers.get("accept") or "", MIMEAccept)
    best_html = max(accepted.quality("text/html"), accepted.quality("application/xhtml+xml"))
    best_json = max(accepted.quality("application/json"), accepted.quality("application/problem+json"))
    return best_html > 0 and best_html > best_json


def language_of(req: func.HttpRequest) -> str:
    """The page's language: ``?lang=``, else ``Accept-Language``, else ``FAILBACK_LANGUAGE``."""
    return i18n.negotiate(req.headers.get("accept-language"), req.params.get("lang"))


def auth_query(req: func.HttpRequest) -> str:
    """The query that keeps the caller's function key (``?code=``) and language on the page's own links."""
    keep = {k: req.params[k] for k in ("code", "lang") if req.params.get(k)}
    return urlencode(keep)


def render_status_page(status: Mapping[str, Any], lang: str = "en", query: str = "", nonce: str = "") -> str:
    """Render the status dashboard of one run from the JSON body of ``GET /api/failbacks/{id}``."""
    return render("status.html", lang=lang, query=query, nonce=nonce, **status_context(status, lang))


def run_summary(status: df.DurableOrchestrationStatus) -> dict[str, Any]:
    """One row of the run list: outcome, kind, VMs, vault, started/ended, downtime."""
    custom = json_object(status.custom_status)
    report = json_object(status.output)
    runtime = status.runtime_status.value if status.runtime_status else None
    # A finished run publishes its outcome as its last step (orchestrators.failback.finish).
    outcome = report.get("outcome") or custom.get("outcome")
    if outcome is None and custom.get("step") in OUTCOMES:
        outcome = custom.get("step")
    item = json_object(report.get("item") or custom.get("item"))
    vms = [str(v.get("vm")) for v in report.get("vms") or [] if isinstance(v, dict) and v.get("vm")]
    if not vms and (item.get("friendlyName") or item.get("name")):
        vms = [str(item.get("friendlyName") or item.get("name"))]
    created = status.created_time.isoformat() if status.created_time else None
    return {
        "runId": status.instance_id,
        "runtimeStatus": runtime,
        "outcome": outcome if runtime == "Completed" and outcome in OUTCOMES else None,
        "kind": report.get("kind"),
        "vault": json_object(report.get("vault")).get("name") or vault_of(str(status.instance_id)),
        "vms": vms,
        "createdTime": created,
        "startedAt": report.get("startedAt") or created,
        "endedAt": report.get("finishedAt") if runtime == "Completed" else None,
        "downtimeSeconds": report.get("downtimeSeconds"),
        "lastUpdatedTime": status.last_updated_time.isoformat() if status.last_updated_time else None,
        "phase": custom.get("phase"),
        "step": custom.get("step"),
        "awaiting": custom.get("awaiting"),
    }


def vault_of(instance_id: str) -> str | None:
    """The (sanitised) vault name in a run id ``fb-<vault>-<item>-<stamp>``, when it has one."""
    parts = instance_id.split("-")
    return parts[1] if len(parts) > 3 else None


def filter_runs(runs: list[dict[str, Any]], params: Mapping[str, str]) -> list[dict[str, Any]]:
    """Runs matching ``vault``, ``outcome`` (``running`` for live runs) and ``from``/``to`` (dates)."""
    vault = (params.get("vault") or "").strip().lower()
    outcome = (params.get("outcome") or "").strip()
    since, until = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    out = []
    for r in runs:
        if vault and vault not in str(r.get("vault") or "").lower() and vault not in str(r["runId"]):
            continue
        if outcome and (r.get("outcome") or "running") != outcome:
            continue
        day = str(r.get("startedAt") or "")[:10]
        if (since and day < since) or (until and day > until):
            continue
        out.append(r)
    return out


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
    runs = filter_runs(runs, req.params)
    if wants_html(req):
        lang = language_of(req)
        _ = i18n.gettext_for(lang)
        for r in runs:
            outcome = r["outcome"]
            r["tone"] = (
                outcome_tone(outcome) if outcome else ("error" if r["runtimeStatus"] in _DEAD else "info")
            )
            r["label"] = (
                _(OUTCOME_LABELS[outcome])
                if outcome
                else _(_RUNTIME_LABELS.get(r["runtimeStatus"], "Running"))
            )
        page = render(
            "runs.html",
            lang=lang,
            runs=runs,
            query=auth_query(req),
            filters={k: req.params.get(k, "") for k in ("vault", "outcome", "from", "to")},
            outcomes=OUTCOMES,
            code=req.params.get("code", ""),
        )
        return html_response(page, lang=lang)
    return json_response({"runs": runs})
