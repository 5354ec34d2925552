"""Signed, expiring approval tokens (W4): pure logic, no I/O.

A token is what an approval link carries. It binds one approver to one gate of
one run until a deadline, and is signed with HMAC-SHA256 under the app's
signing key. Two keys are accepted while rotating (current and previous); each
token names the key that signed it by a short fingerprint, so a token signed by
a key that is no longer configured is told apart from a forgery.

Wire form (URL-safe, no padding, no ``=``/``+``/``/``)::

    v1.<key id>.<base64url(JSON claims)>.<base64url(HMAC-SHA256(key, "v1.<key id>.<claims>"))>

Verification never raises: it returns a :class:`Verification` with a reason
for every failure, so the page can explain it and change nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

VERSION = "v1"
#: Upper bound on a token's length; anything longer is malformed without further work.
MAX_TOKEN_LENGTH = 2048
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_MIN_KEY_BYTES = 16


class TokenFailure(StrEnum):
    """Why a token was refused. Values are stable and shown on the page."""

    MALFORMED = "malformed"
    FORGED = "forged"
    WRONG_KEY = "wrong-key"
    EXPIRED = "expired"
    STALE_GATE = "stale-gate"
    ALREADY_USED = "already-used"


#: What the approver reads for each failure.
FAILURE_MESSAGES: dict[TokenFailure, str] = {
    TokenFailure.MALFORMED: "This approval link is damaged or incomplete. "
    "Open the link from the message again.",
    TokenFailure.FORGED: "This approval link is not genuine. Nothing was changed.",
    TokenFailure.WRONG_KEY: "This approval link was signed with a key that is no longer accepted. "
    "Ask for a new link.",
    TokenFailure.EXPIRED: "This approval link has expired. Nothing was changed.",
    TokenFailure.STALE_GATE: "This approval link belongs to an approval step that is closed or was "
    "replaced by a newer one. Nothing was changed.",
    TokenFailure.ALREADY_USED: "A decision has already been recorded with this link. Nothing was changed.",
}


@dataclass(frozen=True)
class TokenClaims:
    """What a token asserts.

    Attributes:
        run_id: instance id of the failback run.
        gate: id of the approval gate inside the run (a new gate has a new id).
        approver: who may use the link (UPN or e-mail, lower case), or ``*`` for anyone
            the policy allows.
        expires_at: end of validity (UTC).
        nonce: random id of this link, recorded with the decision.
    """

    run_id: str
    gate: str
    approver: str
    expires_at: datetime
    nonce: str

    def to_wire(self) -> dict[str, Any]:
        """Return the compact JSON form (short keys, epoch seconds)."""
        return {
            "r": self.run_id,
            "g": self.gate,
            "a": self.approver,
            "e": int(self.expires_at.timestamp()),
            "n": self.nonce,
        }

    @classmethod
    def from_wire(cls, data: Any) -> TokenClaims:
        """Parse the compact JSON form.

        Args:
            data: the decoded claims object.

        Returns:
            The claims.

        Raises:
            ValueError: if a member is missing or has the wrong type.
        """
        if not isinstance(data, dict) or set(data) != {"r", "g", "a", "e", "n"}:
            raise ValueError("unexpected claims")
        texts = [data["r"], data["g"], data["a"], data["n"]]
        if not all(isinstance(t, str) and t for t in texts):
            raise ValueError("empty or non-text claim")
        if not isinstance(data["e"], int) or isinstance(data["e"], bool) or not 0 < data["e"] < 2**37:
            raise ValueError("bad expiry")
        return cls(
            run_id=data["r"],
            gate=data["g"],
            approver=data["a"],
            expires_at=datetime.fromtimestamp(data["e"], tz=UTC),
            nonce=data["n"],
        )


@dataclass(frozen=True)
class KeyRing:
    """The signing keys the app accepts: the current one signs, both verify.

    Attributes:
        current: key that signs new tokens.
        previous: key still accepted while rotating (empty when none).
    """

    current: bytes
    previous: bytes = b""

    @classmethod
    def from_settings(cls, current: str, previous: str = "") -> KeyRing:
        """Build a key ring from the two app settings (text keys).

        Raises:
            ValueError: if the current key is missing or shorter than 16 bytes.
        """
        ring = cls(current.encode(), previous.encode())
        if len(ring.current) < _MIN_KEY_BYTES:
            raise ValueError("APPROVAL_SIGNING_KEY is missing or shorter than 16 characters")
        return ring

    def by_fingerprint(self, kid: str) -> bytes | None:
        """Return the accepted key whose fingerprint is ``kid``, if any."""
        for key in (self.current, self.previous):
            if key and hmac.compare_digest(key_fingerprint(key), kid):
                return key
        return None


@dataclass(frozen=True)
class Verification:
    """Result of :func:`verify_token`.

    Attributes:
        claims: the claims when they could be read (also for expired or stale tokens).
        failure: ``None`` when the token is valid, else why not.
    """

    claims: TokenClaims | None
    failure: TokenFailure | None

    @property
    def ok(self) -> bool:
        """Whether the token may decide."""
        return self.failure is None

    @property
    def message(self) -> str:
        """What to tell the person holding the link."""
        return "" if self.failure is None else FAILURE_MESSAGES[self.failure]


def key_fingerprint(key: bytes) -> str:
    """Return a short, non-secret id of a key (first 6 bytes of SHA-256, base64url)."""
    return _b64(hashlib.sha256(b"approval-key-id:" + key).digest()[:6])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # Only the canonical spelling is accepted: the spare low bits of the last
    # character would otherwise let one token be written several ways (replays).
    if _b64(raw) != text:
        raise ValueError("non-canonical base64url")
    return raw


def _signature(key: bytes, signed_part: str) -> bytes:
    return hmac.new(key, signed_part.encode("ascii"), hashlib.sha256).digest()


def issue_token(ring: KeyRing, claims: TokenClaims) -> str:
    """Sign ``claims`` with the current key.

    Args:
        ring: the app's keys.
        claims: what the link grants.

    Returns:
        The URL-safe token.
    """
    body = json.dumps(claims.to_wire(), separators=(",", ":"), sort_keys=True).encode()
    signed_part = f"{VERSION}.{key_fingerprint(ring.current)}.{_b64(body)}"
    return f"{signed_part}.{_b64(_signature(ring.current, signed_part))}"


def read_claims_unverified(token: str) -> TokenClaims | None:
    """Return the claims of a well-formed token without checking the signature.

    Only for choosing which gate to look up; never for deciding.
    """
    try:
        _, _, body, _ = _split(token)
        return TokenClaims.from_wire(json.loads(_unb64(body)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def _split(token: str) -> tuple[str, str, str, str]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise ValueError("not a token")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != VERSION or not all(_B64URL.match(p) for p in parts[1:]):
        raise ValueError("not a token")
    return parts[0], parts[1], parts[2], parts[3]


def verify_token(
    token: str,
    ring: KeyRing,
    now: datetime,
    *,
    current_gate: str | None = None,
    used: bool = False,
) -> Verification:
    """Check a token and say why it is refused, if it is.

    The order matters: nothing about the claims is trusted before the signature
    is checked, so a forged token is reported as forged even if also expired.

    Args:
        token: the text from the link or form.
        ring: accepted keys.
        now: the current time (UTC, timezone-aware).
        current_gate: the gate of the run that is open now (``None``: no open gate).
            Pass the token's own gate to skip this check.
        used: whether this link (its nonce) or its approver already decided on this gate.

    Returns:
        The verification result.
    """
    try:
        version, kid, body, sig = _split(token)
        signature = _unb64(sig)
        raw_claims = _unb64(body)
    except (ValueError, binascii.Error):
        return Verification(None, TokenFailure.MALFORMED)
    if len(signature) != hashlib.sha256().digest_size:
        return Verification(None, TokenFailure.MALFORMED)
    key = ring.by_fingerprint(kid)
    if key is None:
        return Verification(None, TokenFailure.WRONG_KEY)
    if not hmac.compare_digest(_signature(key, f"{version}.{kid}.{body}"), signature):
        return Verification(None, TokenFailure.FORGED)
    try:
        claims = TokenClaims.from_wire(json.loads(raw_claims))
    except (ValueError, UnicodeDecodeError):
        # Signed by us yet unreadable: only possible with a leaked key or a bug; refuse.
        return Verification(None, TokenFailure.MALFORMED)
    if now >= claims.expires_at:
        return Verification(claims, TokenFailure.EXPIRED)
    if current_gate != claims.gate:
        return Verification(claims, TokenFailure.STALE_GATE)
    if used:
        return Verification(claims, TokenFailure.ALREADY_USED)
    return Verification(claims, None)
