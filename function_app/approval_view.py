"""The approval page's view of a gate: its state read through the durable client, and what the page shows.

The page is built only from the gate's input (the summary the orchestrator prepared) and
its custom status (deadline, quorum, decisions so far), so it shows what the gate decides on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import azure.durable_functions as df

from domain import i18n
from domain.approvals_identity import Identity
from domain.approvals_tokens import TokenClaims
from domain.i18n import N_
from function_app.json_body import json_object
from function_app.templates import render
from notifications.links import APPROVAL_PATH
from orchestrators.approval_gate import gate_instance_id

#: Runtime states in which a gate still takes decisions.
_OPEN = {"Running", "Pending"}

DEFAULT_CHECKLIST = [
    {"id": "owners-informed", "text": N_("Application owners know about the downtime and agree to it now.")},
    {
        "id": "onprem-ready",
        "text": N_(
            "The on-premises host, its storage and network are ready to run the VM again "
            "(capacity, no maintenance, VPN/ExpressRoute and DNS in place)."
        ),
    },
    {
        "id": "no-azure-only-changes",
        "text": N_("No change made only in Azure (new disks, settings) will be lost."),
    },
]


@dataclass
class GateView:
    """What the app knows about one gate instance."""

    exists: bool
    open: bool
    status: dict[str, Any]
    input: dict[str, Any]
    output: dict[str, Any]
    window: dict[str, Any] = field(default_factory=dict)

    def used_by(self, claims: TokenClaims, who: str | None) -> bool:
        """Whether this link, or this person, already decided on the gate."""
        decided = self.status.get("decided") or self.output.get("decisions") or []
        for d in decided:
            if d.get("accepted", True) and (d.get("nonce") == claims.nonce or (who and d.get("by") == who)):
                return True
        return False


async def load_gate(client: df.DurableOrchestrationClient, claims: TokenClaims) -> GateView:
    """Read the gate instance the token points at."""
    status = await client.get_status(gate_instance_id(claims.run_id, claims.gate), show_input=True)
    if not status:
        return GateView(False, False, {}, {}, {})
    runtime = status.runtime_status.value if status.runtime_status else ""
    custom = json_object(status.custom_status)
    run = await client.get_status(claims.run_id, show_input=True)  # the request's maintenance window
    request = json_object(json_object(run.input_ if run else None).get("request"))
    return GateView(
        exists=True,
        open=runtime in _OPEN and custom.get("open", True) is not False,
        status=custom,
        input=json_object(status.input_),
        output=json_object(status.output),
        window=json_object(request.get("maintenanceWindow")),
    )


def _minutes(seconds: Any) -> int | None:
    return round(float(seconds) / 60) if isinstance(seconds, int | float) else None


def _downtime(summary: dict[str, Any], _: Callable[[str], str]) -> str | None:
    """The orchestrator's ``expectedDowntime`` estimate with its range, else ``downtimeEstimateMinutes``."""
    est = summary.get("expectedDowntime")
    if not isinstance(est, dict) or _minutes(est.get("seconds")) is None:
        minutes = summary.get("downtimeEstimateMinutes")
        return None if minutes is None else _("{n} min").format(n=minutes)
    low, high = _minutes(est.get("lowSeconds")), _minutes(est.get("highSeconds"))
    if low is not None and high is not None:
        return _("about {n} min ({low}–{high} min)").format(
            n=_minutes(est.get("seconds")), low=low, high=high
        )
    return _("about {n} min").format(n=_minutes(est.get("seconds")))


_KNOWN = {
    "vm",
    "vms",
    "item",
    "friendlyName",
    "phase1",
    "dataToTransferGB",
    "downtimeEstimateMinutes",
    "preflight",
    "checklist",
    "recommendation",
    "expectedDowntime",
    "what",
    "initiator",
    "syncAdvice",
}


def _summary_context(gate: GateView, lang: str) -> dict[str, Any]:
    _ = i18n.gettext_for(lang)
    summary = gate.input.get("summary") or {}
    phase1 = summary.get("phase1")
    if isinstance(phase1, dict):
        phase1 = ", ".join(f"{k}: {v}" for k, v in phase1.items() if v not in (None, ""))
    rec = summary.get("recommendation")
    if isinstance(rec, dict):
        rec = " — ".join(str(v) for v in (rec.get("dataSyncOption"), rec.get("reason")) if v)
    extra = [(k, v) for k, v in summary.items() if k not in _KNOWN and isinstance(v, str | int | float)]
    est = summary.get("expectedDowntime")
    if isinstance(est, dict) and est.get("assumptions"):
        extra.append((_("Estimate based on"), str(est["assumptions"])))
    if summary.get("syncAdvice"):  # H11: why the sync is long and how to speed it up
        extra.append((_("Sync time"), str(summary["syncAdvice"])))
    vms = [str(v) for v in summary.get("vms") or [] if v]
    vm = summary.get("vm") or summary.get("friendlyName") or summary.get("item") or ", ".join(vms[:3])
    window = gate.window
    return {
        "vm": vm or gate.input.get("runId") or "?",
        "vms": vms,
        "what": summary.get("what"),
        "phase1": phase1,
        "data_gb": summary.get("dataToTransferGB"),
        "downtime": _downtime(summary, _),
        "recommendation": rec,
        "preflight": [
            i18n.localize_check(c, lang) for c in summary.get("preflight") or [] if isinstance(c, dict)
        ],
        "checklist": checklist_of(gate, lang),
        "extra": extra,
        "initiator": summary.get("initiator") or gate.input.get("initiator"),
        "window": (window.get("start"), window.get("end")) if window.get("start") else None,
    }


def checklist_of(gate: GateView, lang: str = "en") -> list[dict[str, str]]:
    """The items to attest: the summary's, or the default list (texts in the catalog are translated)."""
    _ = i18n.gettext_for(lang)
    items = (gate.input.get("summary") or {}).get("checklist") or DEFAULT_CHECKLIST
    out = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            text = str(item.get("text") or item)
            out.append({"id": str(item.get("id") or f"item-{i + 1}"), "text": _(text)})
        else:
            out.append({"id": f"item-{i + 1}", "text": str(item)})
    return out


def render_decision_page(
    token: str,
    claims: TokenClaims,
    gate: GateView,
    identity: Identity,
    *,
    error: str | None = None,
    comment: str = "",
    attested: list[str] | None = None,
    missing: list[str] | None = None,
    lang: str = "en",
) -> str:
    """Render the approval page for one valid link (``missing``: checklist ids to mark as errors)."""
    return render(
        "approval.html",
        lang=lang,
        missing=missing or [],
        token=token,
        action=APPROVAL_PATH + token,
        run_id=claims.run_id,
        who=identity.name,
        deadline=gate.status.get("deadline") or claims.expires_at,
        quorum=int(gate.status.get("quorum") or 1),
        approvals=int(gate.status.get("approvals") or 0),
        error=error,
        comment=comment,
        attested=attested or [],
        **_summary_context(gate, lang),
    )
