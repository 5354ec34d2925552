"""What the status dashboard and the run list show, from the JSON of the API (pure functions).

The run's OUTCOME (``domain.report.OUTCOMES``) drives every signal: the banner's colour and
words, the phase marks and the run list's outcome column. The Durable runtime status only says
whether the orchestration is still running: a failed pre-flight completes the orchestration,
and its page is red.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from domain import i18n
from domain.i18n import N_
from domain.outcome_texts import OUTCOME_TEXTS, PHASE_LABELS, outcome_tone
from domain.report import OUTCOMES
from function_app.json_body import json_object

#: Default phase order when the run does not list its own phases.
PHASES = ["preflight", "sync", "approval", "switchover", "verify", "commit", "reprotect", "report"]
RUNNING_STATES = {"Running", "Pending", "ContinuedAsNew", "Suspended"}
PORTAL = "https://portal.azure.com/#@/resource"

AWAITING_TEXTS = {
    "approval": N_("Waiting for the approvers' decision. Nothing is switched over before it."),
    "window": N_("Waiting for the maintenance window to open. The Azure VM keeps running until then."),
    "verification-decision": N_(
        "Verification of the on-premises VM failed: decide to commit anyway or leave it for manual work "
        "(POST …/verification)."
    ),
    "azure": N_(
        "Waiting for Azure: the Azure VM was already shut down, so the run keeps retrying with back-off. "
        "The approvers may retry now or hand the failback over to manual work."
    ),
}
#: ``awaiting: approval`` past the switchover: the words follow the open gate (custom status ``gate``),
#: since "nothing is switched over" is no longer true there.
GATE_TEXTS = {
    "commit-anyway": N_(
        "Verification of the on-premises VM failed: the approvers decide whether to commit anyway (ASR "
        "deletes the Azure VM) or leave the failback for manual work. Nothing is committed before it."
    ),
    "verification": N_(
        "Waiting for a person to confirm that the on-premises VM works. Nothing is committed before it."
    ),
}


def awaiting_text(body: Mapping[str, Any], lang: str) -> str:
    """What the run waits for, in words true at that point (the open gate's, when it has its own)."""
    _ = i18n.gettext_for(lang)
    awaiting, gate = body.get("awaiting"), body.get("gate")
    if awaiting == "approval" and gate in GATE_TEXTS:
        return _(GATE_TEXTS[str(gate)])
    return _(AWAITING_TEXTS[awaiting]) if awaiting in AWAITING_TEXTS else ""


PHASE_STATES = {
    "done": N_("done"),
    "failed": N_("failed"),
    "stopped": N_("stopped"),
    "skipped": N_("skipped"),
    "current": N_("in progress"),
    "waiting": N_("waiting"),
    "pending": N_("not started"),
}


def outcome_of(body: Mapping[str, Any]) -> str | None:
    """The run's outcome, None while it runs or when it ended without a report."""
    report = json_object(body.get("report") or body.get("output"))
    outcome = body.get("outcome") or report.get("outcome")
    return str(outcome) if outcome in OUTCOMES else None


def banner(body: Mapping[str, Any], lang: str) -> dict[str, str]:
    """The banner: tone, headline and what to do, from the outcome (or the live state)."""
    _ = i18n.gettext_for(lang)
    runtime = str(body.get("runtimeStatus") or "")
    outcome = outcome_of(body)
    if outcome is not None:
        head, todo = OUTCOME_TEXTS[outcome]
        return {"tone": outcome_tone(outcome), "head": _(head), "todo": _(todo), "outcome": outcome}
    if runtime in RUNNING_STATES or not runtime:
        awaiting = body.get("awaiting")
        head = _("Waiting") if awaiting else _("Running")
        todo = awaiting_text(body, lang)
        if awaiting and not todo:
            todo = _("Waiting for: {what}").format(what=awaiting)
        return {"tone": "info", "head": head, "todo": todo, "outcome": "running"}
    return {
        "tone": "error",
        "head": _("The run ended without a report ({state})").format(state=runtime),
        "todo": _("The orchestration itself failed. Check the function app's logs for this run id."),
        "outcome": "no-report",
    }


def _phase_spans(timeline: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    spans: dict[str, dict[str, Any]] = {}
    for e in timeline:
        phase = str(e.get("phase"))
        if e.get("event") == "phase-started":
            spans.setdefault(phase, {"start": e.get("at"), "end": None})
        elif e.get("event") == "phase-finished":
            spans.setdefault(phase, {"start": None, "end": None})["end"] = e.get("at")
    return spans


def phase_rows(body: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """Each phase with its mark (done / failed / stopped / skipped / in progress / waiting / not started)."""
    _ = i18n.gettext_for(lang)
    report = json_object(body.get("report"))
    timeline = [e for e in body.get("timeline") or report.get("timeline") or [] if isinstance(e, dict)]
    spans = _phase_spans(timeline)
    for d in report.get("phases") or []:
        if isinstance(d, dict) and d.get("phase"):
            spans[str(d["phase"])] = {"start": d.get("start"), "end": d.get("end")}
    order = list(spans) + [p for p in PHASES if p not in spans]  # started phases, then those ahead
    outcome, current, awaiting = outcome_of(body), body.get("phase"), body.get("awaiting")
    ended = outcome is not None or str(body.get("runtimeStatus") or "") not in RUNNING_STATES
    rows = []
    for name in order:
        span = spans.get(name)
        reason = ""
        if span is not None and span.get("end"):
            state = "done"
        elif span is not None and ended:
            state = "failed" if outcome_tone(outcome) == "error" else "stopped"
        elif span is not None or name == current:
            state = "waiting" if awaiting else "current"
            reason = awaiting_text(body, lang) or str(awaiting or "")
        else:
            state = "skipped" if ended else "pending"
        if name == "report" and outcome is not None and state in ("pending", "skipped", "stopped"):
            state = "done"
        rows.append(
            {
                "name": name,
                "label": _(PHASE_LABELS[name]) if name in PHASE_LABELS else name,
                "state": state,
                "mark": _(PHASE_STATES[state]),
                "reason": reason,
                "start": (span or {}).get("start"),
                "end": (span or {}).get("end"),
            }
        )
    return rows


def failed_checks(report: Mapping[str, Any], lang: str = "en") -> list[dict[str, str]]:
    """Failed pre-flight checks as found / to do in ``lang``, the rule id only as a reference."""
    pre = json_object(report.get("preflight"))
    checks = [i18n.localize_check(c, lang) for c in pre.get("checks") or [] if isinstance(c, dict)]
    return [
        {
            "found": str(c.get("evidence") or ""),
            "todo": str(c.get("remedy") or ""),
            "rule": str(c.get("rule") or ""),
            "ref": str(c.get("id") or ""),
        }
        for c in checks
        if not c.get("passed")
    ]


def portal_links(report: Mapping[str, Any], job_ids: list[str]) -> list[dict[str, str]]:
    """Azure portal links of the vault, the replicated item and the ASR jobs (when the ids are known)."""
    vault = json_object(report.get("vault"))
    if not (vault.get("subscriptionId") and vault.get("resourceGroup") and vault.get("name")):
        return []
    vault_id = (
        f"/subscriptions/{vault['subscriptionId']}/resourceGroups/{vault['resourceGroup']}"
        f"/providers/Microsoft.RecoveryServices/vaults/{vault['name']}"
    )
    links = [{"label": "vault", "name": str(vault["name"]), "url": f"{PORTAL}{vault_id}/overview"}]
    item = json_object(report.get("item"))
    if str(item.get("id") or "").startswith("/subscriptions/"):
        links.append(
            {
                "label": "item",
                "name": str(item.get("friendlyName") or item.get("name")),
                "url": PORTAL + item["id"],
            }
        )
    for job in job_ids:
        job_url = f"{PORTAL}{vault_id}/replicationJobs/{quote(job)}"
        links.append({"label": "job", "name": job, "url": job_url})
    return links
