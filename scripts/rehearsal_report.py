"""The rehearsal report (``make rehearse``): JSON and HTML in the product's report style.

It puts together, for one request on a captured vault: the pre-flight verdicts with their evidence,
the data-sync choice and why, the downtime (estimated before, measured in the rehearsal) per VM and
for the whole plan or waves with the approval and window constraints, the ARM calls the run made (what
the real night will make), the approvals asked and of whom, and what a person must still check (the
attested checklist).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

ROOT = Path(__file__).resolve().parents[1]


def _checks(dry_run: dict[str, Any], report: dict[str, Any]) -> list[dict[str, Any]]:
    preflight = dry_run.get("preflight") or (dry_run.get("plan") or {}).get("preflight") or {}
    checks = preflight.get("checks") or (report.get("preflight") or {}).get("checks") or []
    out = []
    for check in checks:
        out.append(
            {
                "id": check.get("id"),
                "vm": check.get("vm") or check.get("item"),
                "passed": bool(check.get("passed")),
                "evidence": check.get("evidence"),
                "remedy": None if check.get("passed") else check.get("remedy"),
            }
        )
    return out


def _downtime(request: dict[str, Any], plan: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    estimate = plan.get("expectedDowntime") or {}
    measured = report.get("downtimeSeconds")
    per_vm = []
    for vm in report.get("vms") or report.get("items") or []:
        if isinstance(vm, dict):
            per_vm.append(
                {
                    "vm": vm.get("friendlyName") or vm.get("name"),
                    "downtimeSeconds": vm.get("downtimeSeconds"),
                    "outcome": vm.get("outcome"),
                }
            )
    window = request.get("maintenanceWindow")
    approval = request.get("approval") or {}
    parts = []
    if estimate:
        parts.append(f"estimated {_fmt(estimate)}")
    if measured is not None:
        parts.append(f"rehearsed {measured:.0f} s (Azure VM shut down -> on-premises VM verified)")
    if window:
        parts.append(f"switchover only inside {window.get('start')} - {window.get('end')}")
    parts.append(f"approval waited for up to {approval.get('timeoutHours', 24)} h")
    return {
        "estimate": estimate,
        "rehearsedSeconds": measured,
        "perVm": per_vm,
        "maintenanceWindow": window,
        "approvalTimeoutHours": approval.get("timeoutHours", 24),
        "phases": report.get("phases") or [],
        "summary": "; ".join(parts),
    }


def _fmt(estimate: Any) -> str:
    if isinstance(estimate, dict):
        seconds = estimate.get("seconds") or estimate.get("totalSeconds") or estimate.get("downtimeSeconds")
        if isinstance(seconds, (int, float)):
            return f"{seconds:.0f} s" + (f" ({estimate['basis']})" if estimate.get("basis") else "")
        return ", ".join(f"{k} {v}" for k, v in estimate.items() if not isinstance(v, (dict, list)))
    return str(estimate)


def _arm_calls(requests: dict[str, Any]) -> dict[str, Any]:
    by_kind = dict(sorted((requests.get("byKind") or {}).items()))
    # Log Analytics queries are POSTs but read nothing in ASR: counted apart from ARM writes
    logs = {k.split(" ", 1)[1]: v for k, v in by_kind.items() if k.split(" ", 1)[-1].startswith("logs.")}
    arm = {k: v for k, v in by_kind.items() if not k.split(" ", 1)[-1].startswith("logs.")}
    writes = {k.removeprefix("write "): v for k, v in arm.items() if k.startswith("write ")}
    reads = {k.removeprefix("read "): v for k, v in arm.items() if k.startswith("read ")}
    summary = (
        f"{sum(reads.values())} ARM reads, {sum(writes.values())} ARM writes, "
        f"{sum(logs.values())} Log Analytics queries"
        + (f" ({', '.join(f'{k} x{v}' for k, v in writes.items())})" if writes else "")
        if requests
        else "none (the run did not start)"
    )
    return {
        "reads": sum(reads.values()),
        "writes": sum(writes.values()),
        "logQueries": sum(logs.values()),
        "writesByKind": writes,
        "readsByKind": reads,
        "summary": summary,
    }


def _approvals(plan: dict[str, Any], report: dict[str, Any], attested: list[str]) -> dict[str, Any]:
    needed = plan.get("approvalsNeeded") or []
    decisions = report.get("decisions") or []
    who = sorted({a for n in needed for a in n.get("approvers") or []})
    summary = (
        f"{len(needed)} gate(s) asked of {', '.join(who) or 'nobody'}; "
        f"{len(decisions)} decision(s) in the rehearsal"
    )
    return {"needed": needed, "decisions": decisions, "summary": summary, "attested": list(attested)}


def build_rehearsal(
    *,
    capture: dict[str, Any],
    capture_path: str,
    request: dict[str, Any],
    dry_run: dict[str, Any],
    view: dict[str, Any] | None,
    attested: list[str],
    requests: dict[str, Any],
    invariants: list[dict[str, Any]],
    virtual_seconds: float,
) -> dict[str, Any]:
    """The rehearsal report (plain JSON)."""
    plan = dict(dry_run.get("plan") or {})
    report = dict((view or {}).get("report") or {})
    checks = _checks(dry_run, report)
    would_start = bool(plan.get("wouldStart", dry_run.get("outcome") == "succeeded"))
    if not would_start:
        verdict = "refused at pre-flight"
    elif report.get("outcome") == "succeeded" and not invariants:
        verdict = "ready"
    else:
        verdict = f"rehearsal ended {report.get('outcome') or (view or {}).get('runtimeStatus')}"
    target = (
        request.get("recoveryPlan")
        or (request.get("item") or {}).get("friendlyName")
        or (request.get("item") or {}).get("name")
        or request.get("kind")
    )
    sync = dict(plan.get("dataSync") or report.get("dataSync") or {})
    return {
        "format": "asr-failback-rehearsal",
        "version": 1,
        "verdict": verdict,
        "target": target,
        "kind": request.get("kind", "hyperv"),
        "capture": {
            "file": capture_path,
            "vault": capture["vault"]["name"],
            "capturedAt": capture.get("capturedAt"),
            "sanitized": capture.get("sanitized"),
            "counts": capture.get("counts"),
        },
        "request": request,
        "preflight": {"passed": would_start, "checks": checks},
        "dataSync": sync,
        "advice": plan.get("advice") or report.get("advice") or [],
        "phases": plan.get("phases") or [],
        "downtime": _downtime(request, plan, report),
        "armCalls": _arm_calls(requests),
        "approvals": _approvals(plan, report, attested),
        "checklist": list(attested),
        "run": {
            "outcome": report.get("outcome"),
            "message": report.get("message"),
            "asrJobs": report.get("asrJobs") or [],
            "error": report.get("error"),
            "warnings": report.get("warnings") or [],
        }
        if report
        else None,
        "invariants": invariants,
        "virtualSeconds": virtual_seconds,
    }


def _environment() -> Environment:
    loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "scripts" / "templates")),
            FileSystemLoader(str(ROOT / "function_app" / "templates")),
        ]
    )
    return Environment(loader=loader, autoescape=select_autoescape(["html"]))


def render_html(rehearsal: dict[str, Any]) -> str:
    """The report as a page in the style of the product's status and approval pages."""
    return _environment().get_template("rehearsal.html").render(r=rehearsal)


def write_report(rehearsal: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write ``rehearsal.json`` and ``rehearsal.html`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "rehearsal.json"
    html_path = out_dir / "rehearsal.html"
    json_path.write_text(json.dumps(rehearsal, indent=2, default=str) + "\n", encoding="utf-8")
    html_path.write_text(render_html(rehearsal), encoding="utf-8")
    return json_path, html_path
