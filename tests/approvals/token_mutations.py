"""Token mutation strategies shared by the property tests and ``bench/approval_tokens.py``."""

from __future__ import annotations

import base64
import json

from hypothesis import strategies as st

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %"


def flip_char(token: str, index: int, char: str) -> str:
    """Replace the character at ``index`` (mod length) by ``char``."""
    i = index % len(token)
    return token[:i] + char + token[i + 1 :]


def reencode_claims(token: str, **changes: object) -> str:
    """Rewrite the claims part of a token (keeping the old signature), as a forger would."""
    version, kid, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims.update(changes)
    raw = json.dumps(claims, separators=(",", ":")).encode()
    new_body = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return f"{version}.{kid}.{new_body}.{sig}"


@st.composite
def mutated(draw: st.DrawFn, token: str) -> str:
    """Draw one mutation of ``token``: flips, inserts, deletes, truncations, swaps."""
    kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "swap", "append", "many"]))
    if kind == "flip":
        out = flip_char(token, draw(st.integers(0, 10_000)), draw(st.sampled_from(ALPHABET)))
    elif kind == "insert":
        i = draw(st.integers(0, len(token)))
        out = token[:i] + draw(st.text(ALPHABET, min_size=1, max_size=4)) + token[i:]
    elif kind == "delete":
        i = draw(st.integers(0, len(token) - 1))
        out = token[:i] + token[i + draw(st.integers(1, 4)) :]
    elif kind == "truncate":
        out = token[: draw(st.integers(0, len(token) - 1))]
    elif kind == "swap":
        parts = token.split(".")
        i, j = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        parts[i], parts[j] = parts[j], parts[i]
        out = ".".join(parts)
    elif kind == "append":
        out = token + draw(st.text(ALPHABET, min_size=1, max_size=8))
    else:
        out = token
        for _ in range(draw(st.integers(2, 6))):
            out = flip_char(out, draw(st.integers(0, 10_000)), draw(st.sampled_from(ALPHABET)))
    return out
