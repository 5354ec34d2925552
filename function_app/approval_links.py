"""Whether an approval link may be used, and by whom (W4).

The token is checked offline first (signature, key, expiry), then against its gate's state
and the person who opened it. Every refusal is a page that changes nothing
(``function_app.approval_pages``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import azure.durable_functions as df
import azure.functions as func

from clients.settings import Settings, get_settings
from domain.approvals_identity import Identity, identity_from_headers, link_mismatch
from domain.approvals_tokens import KeyRing, TokenClaims, TokenFailure, read_claims_unverified, verify_token
from domain.i18n import N_
from function_app.approval_pages import NOT_CONFIGURED, message_page, refusal
from function_app.approval_view import GateView, load_gate
from notifications.links import keyring

log = logging.getLogger(__name__)


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
