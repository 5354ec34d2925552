"""Short-lived signed status links (Logic Apps polling): pure logic, no I/O.

A Logic App follows the ``Location`` of a ``202`` with nothing but its action's
``authentication`` block: no function key header, and a ``?code=`` on the start URL breaks
polling. ``Location`` therefore names an anonymous route whose query carries an expiry and an
HMAC-SHA256 signature over the run id and that expiry, made with a key derived from the
approval signing key ring (``domain.approvals_tokens.KeyRing``). The link grants reading that
run's status only, until ``exp``; every ``202`` answer carries a fresh link, so a poller that
follows the newest ``Location`` never holds an expired one. The key never appears in the link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta
from enum import StrEnum

from domain.approvals_tokens import KeyRing

#: How long one signed status link is valid (each 202 answer renews it).
STATUS_LINK_TTL = timedelta(hours=1)
_PURPOSE = b"failback-status-link-v1"
_EXP = re.compile(r"^[1-9][0-9]{0,11}$")
_SIG = re.compile(r"^[A-Za-z0-9_-]{43}$")


class LinkFailure(StrEnum):
    """Why a status link is refused."""

    MALFORMED = "malformed"
    FORGED = "forged"
    EXPIRED = "expired"


def _derived(key: bytes) -> bytes:
    # Domain separation: a status signature can never stand in for an approval token or a seal.
    return hmac.new(key, _PURPOSE, hashlib.sha256).digest()


def _mac(key: bytes, run_id: str, exp: int) -> str:
    message = f"status\n{run_id}\n{exp}".encode()
    raw = hmac.new(_derived(key), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def sign_status(
    ring: KeyRing, run_id: str, now: datetime, ttl: timedelta = STATUS_LINK_TTL
) -> dict[str, str]:
    """The query parameters ``{exp, sig}`` of a status link for ``run_id`` valid ``ttl`` from ``now``."""
    exp = int((now + ttl).timestamp())
    return {"exp": str(exp), "sig": _mac(ring.current, run_id, exp)}


def verify_status(
    ring: KeyRing, run_id: str, exp: str | None, sig: str | None, now: datetime
) -> LinkFailure | None:
    """Check a status link; ``None`` when it grants reading ``run_id`` now, else why not.

    The signature is checked before the expiry, so a forged link is reported as forged.
    """
    if not exp or not sig or not _EXP.match(exp) or not _SIG.match(sig):
        return LinkFailure.MALFORMED
    expiry = int(exp)
    keys = [k for k in (ring.current, ring.previous) if k]
    if not any(hmac.compare_digest(_mac(key, run_id, expiry), sig) for key in keys):
        return LinkFailure.FORGED
    if now.timestamp() >= expiry:
        return LinkFailure.EXPIRED
    return None
