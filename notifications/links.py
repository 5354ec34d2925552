"""Approval links: sign one token per recipient and build the page URL.

Only this module and the approval page read the signing keys (from settings);
the links themselves never pass through orchestration history.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime

from clients.settings import Settings
from domain.approvals_tokens import KeyRing, TokenClaims, issue_token
from notifications.message import Link

#: Key used only when local mode is on and no key is configured (never in Azure).
LOCAL_DEV_KEY = "local-dev-only-approval-signing-key"
APPROVAL_PATH = "/api/approvals/"
LOCAL_BASE_URL = "http://127.0.0.1:7071"


def keyring(settings: Settings) -> KeyRing:
    """Return the accepted signing keys.

    Raises:
        ValueError: outside local mode when ``APPROVAL_SIGNING_KEY`` is missing or too short.
    """
    current = settings.approval_signing_key
    if not current and settings.local_mode:
        current = LOCAL_DEV_KEY
    return KeyRing.from_settings(current, settings.approval_signing_key_previous)


def public_base_url(settings: Settings) -> str:
    """Base URL of the approval pages as approvers reach them."""
    return settings.public_base_url or LOCAL_BASE_URL


def approval_links(
    ring: KeyRing,
    *,
    base_url: str,
    run_id: str,
    gate: str,
    recipients: Iterable[str],
    expires_at: datetime,
    nonce: Callable[[], str] = lambda: secrets.token_urlsafe(12),
) -> list[Link]:
    """Sign one link per recipient.

    Args:
        ring: signing keys.
        base_url: public base URL of the app.
        run_id: the failback run.
        gate: the approval gate (a new gate makes older links stale).
        recipients: people, ``group:<id>`` entries or ``*``.
        expires_at: end of validity (the gate's deadline).
        nonce: source of per-link ids.

    Returns:
        The links, in recipient order.
    """
    links = []
    for who in recipients:
        claims = TokenClaims(run_id=run_id, gate=gate, approver=who, expires_at=expires_at, nonce=nonce())
        path = APPROVAL_PATH + issue_token(ring, claims)
        label = "Review and decide"
        links.append(Link(label=label, url=base_url.rstrip("/") + path, path=path, approver=who))
    return links
