"""The approval page: ``GET /api/approvals/{token}`` shows, ``POST`` decides once (W4).

A GET never decides (mail scanners open every link first). The POST carries
the token in the form body as well (it is the CSRF secret: another site
cannot know it), checks the identity, the link and the policy, then raises
``ApprovalDecision`` on the gate's instance through the durable client from
inside the app — no Durable system URL ever reaches the approver. Every
refusal is a clear page with a 4xx status that changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import azure.durable_functions as df
import azure.functions as func

from clients.settings import Settings, get_settings
from domain import i18n
from domain.approvals import ApprovalPolicy, refusal_reason
from domain.approvals_identity import Identity, identity_from_headers, link_mismatch
from domain.approvals_tokens import (
    FAILURE_MESSAGES,
    KeyRing,
    TokenClaims,
    TokenFailure,
    read_claims_unverified,
    verify_token,
)
from domain.i18n import N_
from function_app.approval_outcome import closed_decision, gate_verdict
from function_app.approval_view import GateView, checklist_of, load_gate, render_decision_page
from function_app.problem import problem
from function_app.responses import html_response
from function_app.templates import render
from notifications.links import keyring
from orchestrators.approval_gate import APPROVAL_EVENT, gate_instance_id

bp = df.Blueprint()
log = logging.getLogger(__name__)

_FAILURE_STATUS = {
    TokenFailure.MALFORMED: 400,
    TokenFailure.FORGED: 403,
    TokenFailure.WRONG_KEY: 403,
    TokenFailure.EXPIRED: 410,
    TokenFailure.STALE_GATE: 410,
    TokenFailure.ALREADY_USED: 409,
}
#: The refusal pages' texts (catalog ids; the same words as ``FAILURE_MESSAGES``).
_FAILURE_TEXTS: dict[TokenFailure, str] = {
    TokenFailure.MALFORMED: N_(
        "This approval link is damaged or incomplete. Open the link from the message again."
    ),
    TokenFailure.FORGED: N_("This approval link is not genuine. Nothing was changed."),
    TokenFailure.WRONG_KEY: N_(
        "This approval link was signed with a key that is no longer accepted. Ask for a new link."
    ),
    TokenFailure.EXPIRED: N_("This approval link has expired. Nothing was changed."),
    TokenFailure.STALE_GATE: N_(
        "This approval link belongs to an approval step that is closed or was replaced by a newer one. "
        "Nothing was changed."
    ),
    TokenFailure.ALREADY_USED: N_(
        "A decision has already been recorded with this link. Nothing was changed."
    ),
}
#: How long the POST waits to see the gate take the decision before answering anyway.
CONFIRM_SECONDS = 3.0


def prefers_json(req: func.HttpRequest | None) -> bool:
    """Whether an API client (not a browser) asked: JSON ranked above HTML in ``Accept``."""
    if req is None:
        return False
    ranks = {"html": 0.0, "json": 0.0}
    for part in (req.headers.get("accept") or "").split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.strip().lower()
        if media == "text/html":
            ranks["html"] = max(ranks["html"], q)
        elif media in {"application/json", "application/problem+json"}:
            ranks["json"] = max(ranks["json"], q)
    return ranks["json"] > ranks["html"]


def page_language(req: func.HttpRequest | None) -> str:
    """The page's language: ``?lang=``, else ``Accept-Language``, else ``FAILBACK_LANGUAGE``."""
    if req is None:
        return i18n.configured_language()
    return i18n.negotiate(req.headers.get("accept-language"), req.params.get("lang"))


def message_page(
    status: int,
    title: str,
    message: str,
    tone: str = "error",
    req: func.HttpRequest | None = None,
    **kw: Any,
) -> func.HttpResponse:
    """A page that only tells something (refusals, outcomes); problem+json for API clients.

    ``title`` and ``message`` are catalog ids (or text already translated).
    """
    lang = page_language(req)
    _ = i18n.gettext_for(lang)
    if status >= 400 and prefers_json(req):
        return problem(status, _(title), _(message), reason=kw.get("reason"), lang=lang)
    details = [(_(k), v) for k, v in kw.pop("details", [])]
    html = render(
        "message.html", lang=lang, title=_(title), message=_(message), tone=tone, details=details, **kw
    )
    return html_response(html, status, lang=lang)


def refusal(
    failure: TokenFailure, req: func.HttpRequest | None = None, gate: GateView | None = None
) -> func.HttpResponse:
    """The page for a refused link; nothing was changed. A closed gate's page says what it decided."""
    details: list[tuple[str, str]] = []
    decided = closed_decision(gate) if gate is not None else None
    if decided:
        _ = i18n.gettext_for(page_language(req))
        details.append((N_("The approval step decided"), _(decided)))
    return message_page(
        _FAILURE_STATUS[failure],
        N_("This link cannot be used"),
        _FAILURE_TEXTS.get(failure, FAILURE_MESSAGES[failure]),
        req=req,
        reason=str(failure),
        details=details,
    )


NOT_CONFIGURED = N_(
    "Approval links are not configured on this app (APPROVAL_SIGNING_KEY). Nothing was changed."
)


def _configured_keys(settings: Settings) -> KeyRing | None:
    """The signing keys, or None (logged) when the app has none usable."""
    try:
        return keyring(settings)
    except ValueError:
        log.error("approval page: APPROVAL_SIGNING_KEY is missing or too short")
        return None


def _now() -> datetime:
    return datetime.now(UTC)


def check_link(
    token: str, ring: KeyRing, settings: Settings, gate: GateView | None, who: str | None
) -> tuple[TokenClaims | None, TokenFailure | None]:
    """Verify a token against the keys, the clock and the gate's state.

    In local mode the wall clock is not compared with the expiry while the gate
    is open: the local host may run on a virtual clock, and the gate (which
    closes at the same deadline in its own time) is the authority there.
    """
    first = verify_token(token, ring, _now(), current_gate=(read_claims_unverified(token) or _NO).gate)
    if first.claims is None:
        return None, first.failure
    claims = first.claims
    if gate is None:
        return claims, first.failure
    if first.failure is TokenFailure.EXPIRED and not (settings.local_mode and gate.open):
        return claims, first.failure
    if not gate.exists:
        return claims, TokenFailure.STALE_GATE
    used = gate.used_by(claims, who)
    if not gate.open:
        return claims, TokenFailure.ALREADY_USED if used else TokenFailure.STALE_GATE
    return claims, TokenFailure.ALREADY_USED if used else None


_NO = TokenClaims(run_id="", gate="\x00", approver="", expires_at=datetime.max.replace(tzinfo=UTC), nonce="")


def resolve_identity(
    req: func.HttpRequest, claims: TokenClaims, settings: Settings
) -> tuple[Identity | None, str | None]:
    """Find who is deciding and check the link is theirs.

    Returns:
        ``(identity, None)`` or ``(None, why not)``.
    """
    identity = identity_from_headers(dict(req.headers))
    personal = claims.approver != "*" and not claims.approver.startswith("group:")
    if identity is None and settings.local_mode and personal:
        identity = Identity(name=claims.approver, source="token")
    if identity is None:
        return None, N_("Sign in to decide: this page needs your organisation account.")
    mismatch = link_mismatch(identity, claims.approver)
    if mismatch and identity.source != "token":
        return None, mismatch
    return identity, None


@bp.route(route="approvals/{token}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def approval_page(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Show what the approval decides. Never changes anything."""
    return await _show(req, client, req.route_params.get("token", ""))


@dataclass(frozen=True)
class OpenLink:
    """A link that may decide: its claims, its gate and who opened it."""

    claims: TokenClaims
    gate: GateView
    identity: Identity


async def open_link(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, token: str
) -> OpenLink | func.HttpResponse:
    """Check a link the way both the page and the decision need it.

    The token is verified offline first, so a forged or malformed one never costs a
    durable read; then against its gate and the person who opened it.

    Returns:
        The open link, or the refusal page (nothing changed) to answer with.
    """
    settings = get_settings()
    ring = _configured_keys(settings)
    if ring is None:
        return message_page(503, N_("Approvals unavailable"), NOT_CONFIGURED, req=req)
    claims, failure = check_link(token, ring, settings, None, None)
    if claims is None or failure in (TokenFailure.MALFORMED, TokenFailure.FORGED, TokenFailure.WRONG_KEY):
        return refusal(failure or TokenFailure.MALFORMED, req)
    gate = await load_gate(client, claims)
    identity, why = resolve_identity(req, claims, settings)
    claims, failure = check_link(token, ring, settings, gate, identity.name if identity else None)
    if failure is not None or claims is None:
        return refusal(failure or TokenFailure.MALFORMED, req, gate)
    if identity is None:
        return message_page(401 if "Sign in" in (why or "") else 403, N_("Not allowed"), why or "", req=req)
    return OpenLink(claims, gate, identity)


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
    missing = [i for i in checklist_of(gate, lang) if i["id"] not in attested]
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
    policy = ApprovalPolicy.from_dict(gate.input.get("policy"))
    why_not = refusal_reason(
        policy,
        identity.name,
        identity.groups,
        initiator=gate.input.get("initiator"),
        escalated=bool(gate.status.get("escalated")),
    )
    if why_not:
        return message_page(
            403,
            N_("Not allowed"),
            _("Your decision cannot be accepted: {why}.").format(why=why_not),
            req=req,
            reason="policy",
        )
    payload = {
        "decision": decision,
        "by": identity.name,
        "comment": comment,
        "gate": claims.gate,
        "groups": list(identity.groups),
        "nonce": claims.nonce,
        "attested": attested,
    }
    await client.raise_event(gate_instance_id(claims.run_id, claims.gate), APPROVAL_EVENT, payload)
    log.info("approval: %s %s gate %s of %s", identity.name, decision, claims.gate, claims.run_id)
    return await _outcome(client, claims, identity, decision, req)


async def _outcome(
    client: df.DurableOrchestrationClient,
    claims: TokenClaims,
    identity: Identity,
    decision: str,
    req: func.HttpRequest,
) -> func.HttpResponse:
    """Wait briefly for the gate to take the decision, then say what the gate actually decided.

    Two decisions raced on one gate (approve and reject of one link, or two approvers when one
    approval is enough): the gate takes the first and ignores the rest; each person is told which.
    """
    loop = asyncio.get_running_loop()
    end = loop.time() + CONFIRM_SECONDS
    verdict = None
    while verdict is None and loop.time() < end:
        verdict = gate_verdict(await load_gate(client, claims), claims, identity.name, decision)
        if verdict is None:
            await asyncio.sleep(0.1)
    _ = i18n.gettext_for(page_language(req))
    approved = decision == "approved"
    details = [
        (N_("Run"), claims.run_id),
        (N_("Gate"), claims.gate),
        (N_("By"), identity.name),
        (N_("Decision"), _("approved") if approved else _("rejected")),
    ]
    if verdict is None:
        text = N_(
            "Your decision was sent, but the approval step has not confirmed it yet. "
            "Open the link again in a minute to see what it decided."
        )
        return message_page(202, N_("Decision sent"), text, tone="info", details=details, req=req)
    kind, outcome = verdict
    if kind == "superseded":
        details.append((N_("The approval step decided"), _(outcome)))
        text = N_(
            "Your decision was not counted: the approval step had already decided. See below what it decided."
        )
        return message_page(409, N_("Already decided"), text, details=details, req=req, reason="superseded")
    if outcome:
        details.append((N_("The approval step decided"), _(outcome)))
    text = N_("Your approval was recorded. Thank you.") if approved else N_("Your rejection was recorded.")
    return message_page(200, N_("Decision recorded"), text, tone="success", details=details, req=req)
