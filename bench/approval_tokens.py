"""Approval token figures: verify throughput and a large random mutation fuzz (prints, never asserts).

Run: ``python -m bench.approval_tokens [mutations]``.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from domain.approvals_tokens import KeyRing, TokenClaims, issue_token, verify_token

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %"


def mutate(token: str, rng: random.Random) -> str:
    """One random mutation: flip, insert, delete, truncate or swap parts."""
    kind = rng.choice(["flip", "insert", "delete", "truncate", "swap", "many"])
    i = rng.randrange(len(token))
    if kind == "flip":
        return token[:i] + rng.choice(ALPHABET) + token[i + 1 :]
    if kind == "insert":
        return token[:i] + rng.choice(ALPHABET) + token[i:]
    if kind == "delete":
        return token[:i] + token[i + 1 :]
    if kind == "truncate":
        return token[:i]
    if kind == "swap":
        parts = token.split(".")
        a, b = rng.randrange(4), rng.randrange(4)
        parts[a], parts[b] = parts[b], parts[a]
        return ".".join(parts)
    out = token
    for _ in range(rng.randint(2, 6)):
        j = rng.randrange(len(out))
        out = out[:j] + rng.choice(ALPHABET) + out[j + 1 :]
    return out


def main() -> None:
    """Print verify throughput and fuzz results."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    now = datetime.now(UTC)
    ring = KeyRing.from_settings("bench-signing-key-0123456789abcdef")
    claims = TokenClaims(
        "fb-vault-dr-web01-20260101000000", "switchover", "ops@contoso.com", now + timedelta(days=1), "n"
    )
    token = issue_token(ring, claims)
    t0 = time.perf_counter()
    for _ in range(20_000):
        verify_token(token, ring, now, current_gate="switchover")
    per = (time.perf_counter() - t0) / 20_000
    print(f"token length {len(token)} chars; verify {per * 1e6:.1f} µs ({1 / per:,.0f}/s)")
    rng = random.Random(5)
    results: Counter[str] = Counter()
    for _ in range(n):
        candidate = mutate(token, rng)
        if candidate == token:
            continue
        results["tried"] += 1
        outcome = verify_token(candidate, ring, now, current_gate="switchover")
        results[str(outcome.failure)] += 1
        results["accepted"] += int(outcome.ok)
    print(f"mutated tokens tried {results['tried']:,}, accepted {results['accepted']}")
    print(
        "  by reason: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(results.items()) if k not in ("tried", "accepted"))
    )


if __name__ == "__main__":
    main()
