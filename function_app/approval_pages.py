"""The approval page's plain pages: refusals and outcomes, problem+json for API clients (W4)."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from domain import i18n
from domain.approvals import WITHDRAWN
from domain.approvals_identity import Identity
from domain.approvals_tokens import FAILURE_MESSAGES, TokenClaims, TokenFailure
from domain.i18n import N_
from function_app.approval_outcome import closed_decision
from function_app.approval_view import GateView
from function_app.problem import problem
from function_app.responses import html_response
from function_app.templates import render

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
    if decided == WITHDRAWN and gate is not None:  # the run withdrew the question: say why, not "stale"
        why = str(gate.output.get("comment") or N_("The run no longer needs this decision."))
        return message_page(409, N_("No decision needed any more"), why, req=req, reason="withdrawn")
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


def outcome_page(
    verdict: tuple[str, str] | None,
    claims: TokenClaims,
    identity: Identity,
    decision: str,
    req: func.HttpRequest,
) -> func.HttpResponse:
    """Say what the gate did with a decision (``function_app.approval_decisions.confirmed_verdict``).

    ``verdict`` None: the gate has not confirmed yet (202); ``superseded``: another decision came
    first and this one was not counted (409); else the decision was recorded (200).
    """
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
