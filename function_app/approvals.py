"""The approval page: ``GET /api/approvals/{token}`` shows, ``POST`` decides once (W4).

A GET never decides (mail scanners open every link first). The POST carries
the token in the form body as well (it is the CSRF secret: another site
cannot know it), checks the identity, the link and the policy, then raises
``ApprovalDecision`` on the gate's instance through the durable client from
inside the app — no Durable system URL ever reaches the approver. Every
refusal is a clear page with a 4xx status that changes nothing.

The routes parse the form, call and answer: links are checked in ``function_app.approval_links``,
decisions sent and confirmed in ``function_app.approval_decisions``, pages written by
``function_app.approval_pages``.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import azure.durable_functions as df
import azure.functions as func

from domain import i18n
from domain.i18n import N_
from function_app.approval_decisions import (
    confirmed_verdict,
    missing_attestations,
    policy_refusal,
    send_decision,
)
from function_app.approval_links import open_link
from function_app.approval_outcome import gate_verdict
from function_app.approval_pages import message_page, outcome_page, page_language, prefers_json
from function_app.approval_view import load_gate, render_decision_page
from function_app.problem import problem
from function_app.responses import html_response

bp = df.Blueprint()


@bp.route(route="approvals/{token}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def approval_page(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Show what the approval decides. Never changes anything."""
    return await _show(req, client, req.route_params.get("token", ""))


async def _show(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, token: str
) -> func.HttpResponse:
    link = await open_link(req, client, token)
    if isinstance(link, func.HttpResponse):
        return link
    lang = page_language(req)
    page = render_decision_page(token, link.claims, link.gate, link.identity, lang=lang)
    return html_response(page, lang=lang)


def _form(req: func.HttpRequest) -> dict[str, list[str]]:
    if "application/x-www-form-urlencoded" in (req.headers.get("content-type") or ""):
        try:
            return parse_qs(
                req.get_body().decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=50
            )
        except ValueError:  # more fields than the page ever sends: treated as a foreign form
            return {}
    return {}


def _cross_site(req: func.HttpRequest) -> bool:
    origin = req.headers.get("origin")
    if not origin or origin == "null":
        return bool(origin)
    host = req.headers.get("x-forwarded-host") or req.headers.get("host") or urlsplit(req.url).netloc
    return urlsplit(origin).netloc != host


@bp.route(route="approvals/{token}", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def approval_decide(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Record one decision, once, then show the outcome."""
    token = req.route_params.get("token", "")
    form = _form(req)
    if _cross_site(req):
        return message_page(
            403, N_("Not allowed"), N_("This form must be sent from the approval page itself."), req=req
        )
    if form.get("token", [""])[0] != token:
        return message_page(
            400, N_("Not allowed"), N_("The form does not match this link. Open the link again."), req=req
        )
    decision = {"approve": "approved", "reject": "rejected"}.get(form.get("decision", [""])[0])
    link = await open_link(req, client, token)
    if isinstance(link, func.HttpResponse):
        return link
    claims, gate, identity = link.claims, link.gate, link.identity
    lang = page_language(req)
    _ = i18n.gettext_for(lang)
    comment = form.get("comment", [""])[0][:2000]
    attested = [a for a in form.get("attest", []) if a]
    if decision is None:
        if prefers_json(req):
            return problem(400, N_("Bad Request"), N_("decision must be 'approve' or 'reject'"), lang=lang)
        html = render_decision_page(
            token, claims, gate, identity, error=_("Choose Approve or Reject."), comment=comment, lang=lang
        )
        return html_response(html, 400, lang=lang)
    missing = missing_attestations(gate, attested, lang)
    if decision == "approved" and missing:
        error = _("To approve, confirm every item: ") + "; ".join(i["text"] for i in missing)
        if prefers_json(req):
            return problem(
                422, _("Checklist not attested"), error, errors=[i["id"] for i in missing], lang=lang
            )
        html = render_decision_page(
            token,
            claims,
            gate,
            identity,
            error=error,
            comment=comment,
            attested=attested,
            missing=[i["id"] for i in missing],
            lang=lang,
        )
        return html_response(html, 422, lang=lang)
    why_not = policy_refusal(gate, identity)
    if why_not:
        return message_page(
            403,
            N_("Not allowed"),
            _("Your decision cannot be accepted: {why}.").format(why=why_not),
            req=req,
            reason="policy",
        )
    if await send_decision(client, claims, identity, decision, comment, attested):
        verdict = await confirmed_verdict(client, claims, identity, decision)
    else:  # the gate closed first: say what it decided (gate_verdict reads a closed gate)
        verdict = gate_verdict(await load_gate(client, claims), claims, identity.name, decision)
    return outcome_page(verdict, claims, identity, decision, req)
