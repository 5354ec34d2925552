"""Approval tokens (W4): every failure reason, key rotation, and mutation fuzzing.

The fuzzing counts how many mutated or forged tokens were tried and how many
were accepted (must be 0); the figures are printed at the end of the module
(``pytest -s``) and by ``bench/approval_tokens.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from domain.approvals_tokens import (
    MAX_TOKEN_LENGTH,
    KeyRing,
    TokenClaims,
    TokenFailure,
    issue_token,
    key_fingerprint,
    read_claims_unverified,
    verify_token,
)
from tests.approvals.token_mutations import flip_char, mutated, reencode_claims

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
RING = KeyRing.from_settings("current-signing-key-0123456789")
CLAIMS = TokenClaims(
    run_id="fb-vault-dr-vm01-20260101120000",
    gate="approval-1",
    approver="alice@contoso.com",
    expires_at=NOW + timedelta(hours=24),
    nonce="n0nce",
)
TOKEN = issue_token(RING, CLAIMS)
FIGURES: Counter[str] = Counter()


def check(token: str, **kw: object) -> object:
    kw.setdefault("current_gate", CLAIMS.gate)
    return verify_token(token, RING, NOW, **kw)  # type: ignore[arg-type]


def teardown_module() -> None:
    print(f"\n[token fuzz] tried={FIGURES['tried']} accepted={FIGURES['accepted']} " + str(dict(FIGURES)))


def test_valid_token_round_trips_its_claims_W4() -> None:
    result = check(TOKEN)
    assert result.ok and result.failure is None
    assert result.claims == CLAIMS


def test_token_is_url_safe_and_compact_W4() -> None:
    assert all(c.isalnum() or c in "-_." for c in TOKEN)
    assert len(TOKEN) < 250


def test_expired_token_is_refused_W4() -> None:
    result = verify_token(TOKEN, RING, CLAIMS.expires_at, current_gate=CLAIMS.gate)
    assert result.failure is TokenFailure.EXPIRED
    assert result.claims is not None and result.claims.run_id == CLAIMS.run_id
    assert "expired" in result.message


def test_token_of_a_replaced_gate_is_stale_W4() -> None:
    assert check(TOKEN, current_gate="approval-2").failure is TokenFailure.STALE_GATE
    assert check(TOKEN, current_gate=None).failure is TokenFailure.STALE_GATE


def test_used_token_is_refused_as_replay_W4() -> None:
    assert check(TOKEN, used=True).failure is TokenFailure.ALREADY_USED


def test_token_signed_by_unknown_key_is_wrong_key_W4() -> None:
    other = issue_token(KeyRing.from_settings("some-other-key-abcdefghijkl"), CLAIMS)
    assert check(other).failure is TokenFailure.WRONG_KEY


def test_rotation_accepts_previous_key_until_it_is_dropped_W4() -> None:
    old_ring = KeyRing.from_settings("old-key-0000000000000000")
    old_token = issue_token(old_ring, CLAIMS)
    rotated = KeyRing.from_settings("new-key-1111111111111111", "old-key-0000000000000000")
    assert verify_token(old_token, rotated, NOW, current_gate=CLAIMS.gate).ok
    new_token = issue_token(rotated, CLAIMS)
    assert verify_token(new_token, rotated, NOW, current_gate=CLAIMS.gate).ok
    dropped = KeyRing.from_settings("new-key-1111111111111111")
    assert verify_token(old_token, dropped, NOW, current_gate=CLAIMS.gate).failure is TokenFailure.WRONG_KEY


def test_forged_signature_with_known_key_id_is_forged_W4() -> None:
    forged = reencode_claims(TOKEN, a="mallory@contoso.com")
    assert check(forged).failure is TokenFailure.FORGED
    longer = reencode_claims(TOKEN, e=int((NOW + timedelta(days=365)).timestamp()))
    assert check(longer).failure is TokenFailure.FORGED


def test_forgery_is_reported_before_expiry_W4() -> None:
    forged = reencode_claims(TOKEN, g="approval-1")  # same claims, re-encoded
    result = verify_token(flip_char(forged, len(forged) - 5, "A"), RING, NOW + timedelta(days=9))
    assert result.failure in {TokenFailure.FORGED, TokenFailure.MALFORMED}


@pytest.mark.parametrize(
    "token",
    ["", "v1", "v1...", "v2" + TOKEN[2:], TOKEN + ".x", "x" * (MAX_TOKEN_LENGTH + 1), "v1.a.b.c", "💥"],
)
def test_malformed_tokens_are_refused_W4(token: str) -> None:
    assert check(token).failure is TokenFailure.MALFORMED


def test_signed_but_unreadable_claims_are_malformed_W4() -> None:
    kid = key_fingerprint(RING.current)
    body = base64.urlsafe_b64encode(b'{"r":"x"}').rstrip(b"=").decode()
    signed = f"v1.{kid}.{body}"
    sig = base64.urlsafe_b64encode(hmac.new(RING.current, signed.encode(), hashlib.sha256).digest())
    token = f"{signed}.{sig.rstrip(b'=').decode()}"
    assert check(token).failure is TokenFailure.MALFORMED


def test_non_canonical_signature_spelling_is_refused_W4() -> None:
    # The last base64 character carries 2 spare bits; other spellings of the same bytes must not verify.
    last = TOKEN[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    siblings = [c for c in alphabet if alphabet.index(c) >> 2 == alphabet.index(last) >> 2 and c != last]
    assert siblings
    for c in siblings:
        assert check(TOKEN[:-1] + c).failure is TokenFailure.MALFORMED


def test_unverified_read_exposes_claims_only_for_lookup_W4() -> None:
    assert read_claims_unverified(TOKEN) == check(TOKEN).claims
    assert read_claims_unverified("garbage") is None


def test_short_signing_key_is_refused() -> None:
    with pytest.raises(ValueError, match="APPROVAL_SIGNING_KEY"):
        KeyRing.from_settings("short")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_tokens_are_never_accepted_W4(data: st.DataObject) -> None:
    token = data.draw(mutated(TOKEN))
    assume(token != TOKEN)
    FIGURES["tried"] += 1
    result = check(token)
    FIGURES[str(result.failure)] += 1
    FIGURES["accepted"] += int(result.ok)
    assert not result.ok


@settings(max_examples=300, deadline=None)
@given(
    approver=st.text(min_size=1, max_size=30),
    gate=st.text(min_size=1, max_size=10),
    hours=st.integers(-100, 10_000),
)
def test_tokens_with_chosen_claims_but_old_signature_are_never_accepted_W4(
    approver: str, gate: str, hours: int
) -> None:
    expiry = int((NOW + timedelta(hours=hours)).timestamp())
    changes = {"a": approver, "g": gate, "e": expiry}
    original = {"a": CLAIMS.approver, "g": CLAIMS.gate, "e": int(CLAIMS.expires_at.timestamp())}
    assume(changes != original)
    forged = reencode_claims(TOKEN, **changes)
    FIGURES["tried"] += 1
    result = check(forged, current_gate=gate)
    FIGURES[str(result.failure)] += 1
    FIGURES["accepted"] += int(result.ok)
    assert result.failure is TokenFailure.FORGED


@settings(max_examples=200, deadline=None)
@given(
    key=st.binary(min_size=16, max_size=64), payload=st.dictionaries(st.sampled_from("rgaen"), st.integers())
)
def test_tokens_signed_with_guessed_keys_are_never_accepted_W4(key: bytes, payload: dict[str, int]) -> None:
    assume(key not in {RING.current, RING.previous})
    # The attacker knows the format and the key id (it is public); only the key is guessed.
    kid = key_fingerprint(RING.current)
    claims = {**CLAIMS.to_wire(), **payload} if payload else CLAIMS.to_wire()
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    signed = f"v1.{kid}.{body}"
    sig = base64.urlsafe_b64encode(hmac.new(key, signed.encode(), hashlib.sha256).digest()).rstrip(b"=")
    FIGURES["tried"] += 1
    result = check(f"{signed}.{sig.decode()}")
    FIGURES[str(result.failure)] += 1
    FIGURES["accepted"] += int(result.ok)
    assert result.failure is TokenFailure.FORGED
