"""The run's record made tamper-evident (issue 13, part 5): pure logic, no I/O, no clock.

- :func:`chain_report` (applied where a run's report is assembled, inside the orchestrator, so
  it must be deterministic): every timeline event carries ``prevHash``, the SHA-256 of the
  previous event's canonical JSON (the first one the run's genesis hash); ``integrity.head`` is
  the hash of the last event's hash and of the whole report's canonical JSON.
- :func:`sign_integrity` (the ``seal_report`` activity at the run's end, which holds the key —
  the orchestrator never does): ``integrity.signature`` = HMAC-SHA256 of the integrity block under
  a key derived from the approval signing key, with the key's fingerprint; :func:`seal` (the
  export) keeps a genuine run-end signature, refuses a record whose signature no longer matches,
  and signs records of runs that ended unsigned.
- :func:`export_json` / :func:`verify_export`: the exported file is the report's canonical,
  indented JSON; the verifier demands those exact bytes, re-walks the chain and checks the
  signature, so any edited byte is found (invalid UTF-8 or JSON, a value changed, a byte of
  spacing or key order changed, the chain, the head or the signature altered).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.approvals_tokens import KeyRing, key_fingerprint

INTEGRITY = "integrity"
PREV_HASH = "prevHash"
VERSION = 1
ALGORITHM = "sha256-chain"
SIGNATURE_ALGORITHM = "HMAC-SHA256"
_PURPOSE = b"failback-report-seal-v1"
#: ``signature.sealed``: signed by the run when it ended (``seal_report`` activity), or on export.
SEALED_AT_RUN_END = "run-end"
SEALED_ON_EXPORT = "export"
_INTEGRITY_KEYS = {"version", "algorithm", "events", "lastEventHash", "head"}


def canonical(value: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def genesis(run_id: str) -> str:
    """The ``prevHash`` of a run's first event."""
    return _sha(b"failback-report-v1\n" + run_id.encode())


def _unsealed(report: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in report.items() if k != INTEGRITY}
    if isinstance(out.get("timeline"), list):
        out["timeline"] = [
            {k: v for k, v in e.items() if k != PREV_HASH} if isinstance(e, Mapping) else e
            for e in out["timeline"]
        ]
    return out


def _chained(report: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The report with ``prevHash`` on each event (integrity removed) and the last event's hash."""
    out = _unsealed(report)
    prev = genesis(str(out.get("runId") or ""))
    if isinstance(out.get("timeline"), list):
        events = []
        for entry in out["timeline"]:
            event = {**entry, PREV_HASH: prev} if isinstance(entry, Mapping) else entry
            prev = _sha(canonical(event))
            events.append(event)
        out["timeline"] = events
    return out, prev


def _head(body: Mapping[str, Any], last: str) -> str:
    return _sha(f"{last}\n{_sha(canonical(body))}".encode())


def chain_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """Hash-chain the report's events and compute its head (deterministic; idempotent).

    Returns:
        A copy with ``prevHash`` on each timeline event and ``integrity`` =
        ``{version, algorithm, events, lastEventHash, head}`` (no signature yet: :func:`seal`).
    """
    body, last = _chained(report)
    events = len(body["timeline"]) if isinstance(body.get("timeline"), list) else 0
    body[INTEGRITY] = {
        "version": VERSION,
        "algorithm": ALGORITHM,
        "events": events,
        "lastEventHash": last,
        "head": _head(body, last),
    }
    return body


def _derived(key: bytes) -> bytes:
    # Domain separation: a report seal can never stand in for an approval token or a status link.
    return hmac.new(key, _PURPOSE, hashlib.sha256).digest()


def _mac(key: bytes, integrity: Mapping[str, Any], sealed: Any) -> str:
    # The whole integrity block but the signature (head, counts), and when it was sealed.
    signed = canonical({**{k: v for k, v in integrity.items() if k != "signature"}, "sealed": sealed})
    raw = hmac.new(_derived(key), signed, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass
class Verdict:
    """What :func:`verify_report` / :func:`verify_export` found.

    Attributes:
        problems: every reason the record cannot be trusted (empty: intact and signed by a known key).
        events: timeline events checked.
        head: the head the file claims.
        key_id: fingerprint of the key that signed it.
    """

    problems: list[str] = field(default_factory=list)
    events: int = 0
    head: str | None = None
    key_id: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the record is intact and its signature genuine."""
        return not self.problems


def chain_problems(report: Mapping[str, Any]) -> list[str]:
    """Where the chain of a report does not hold (empty when intact)."""
    integrity = report.get(INTEGRITY)
    if not isinstance(integrity, Mapping):
        return ["no integrity block: the run ended before reports were chained, or it was removed"]
    problems = []
    timeline = report.get("timeline")
    prev = genesis(str(report.get("runId") or ""))
    for n, entry in enumerate(timeline if isinstance(timeline, list) else []):
        if not isinstance(entry, Mapping) or entry.get(PREV_HASH) != prev:
            problems.append(
                f"timeline event {n + 1}: prevHash does not match event {n} (edited, removed or moved)"
            )
            break
        prev = _sha(canonical(entry))
    body, last = _chained(report)
    if integrity.get("lastEventHash") != last:
        problems.append("integrity.lastEventHash does not match the last event")
    if integrity.get("head") != _head(body, last):
        problems.append("integrity.head does not match the report's content")
    if integrity.get("version") != VERSION or integrity.get("algorithm") != ALGORITHM:
        problems.append("unknown integrity version or algorithm")
    if set(integrity) - {"signature"} != _INTEGRITY_KEYS:
        problems.append("integrity block altered (members added, removed or renamed)")
    if integrity.get("events") != (len(timeline) if isinstance(timeline, list) else 0):
        problems.append("integrity.events does not match the timeline")
    return problems


def sign_integrity(ring: KeyRing, integrity: Mapping[str, Any], sealed: str) -> dict[str, Any]:
    """The signature block of an integrity block, by the current key.

    Args:
        ring: the signing keys.
        integrity: the report's ``integrity`` (from :func:`chain_report`).
        sealed: when it is signed: :data:`SEALED_AT_RUN_END` or :data:`SEALED_ON_EXPORT`.

    Returns:
        ``{algorithm, keyId, sealed, value}``.
    """
    return {
        "algorithm": SIGNATURE_ALGORITHM,
        "keyId": key_fingerprint(ring.current),
        "sealed": sealed,
        "value": _mac(ring.current, integrity, sealed),
    }


def seal(report: Mapping[str, Any], ring: KeyRing) -> dict[str, Any]:
    """The record as exported: its run-end signature kept when genuine, else signed now.

    A chain that does not hold, or a run-end signature that does not match (the stored record was
    edited), is never signed: ``integrity.problems`` says why and ``verify-report`` refuses it.

    Returns:
        A copy with ``integrity.signature`` = ``{algorithm, keyId, sealed, value}``, or with
        ``integrity.problems``; unchanged when the report has no integrity block.
    """
    integrity = report.get(INTEGRITY)
    if not isinstance(integrity, Mapping):
        return dict(report)
    signature = integrity.get("signature")
    base = {**report, INTEGRITY: {k: v for k, v in integrity.items() if k not in ("signature", "problems")}}
    if isinstance(signature, Mapping):
        verdict = verify_report({**base, INTEGRITY: {**base[INTEGRITY], "signature": signature}}, ring)
        if verdict.ok:
            return {**base, INTEGRITY: {**base[INTEGRITY], "signature": dict(signature)}}
        return {**base, INTEGRITY: {**base[INTEGRITY], "problems": verdict.problems}}
    problems = chain_problems(base)
    if problems:
        return {**base, INTEGRITY: {**base[INTEGRITY], "problems": problems}}
    signed = sign_integrity(ring, base[INTEGRITY], SEALED_ON_EXPORT)
    return {**base, INTEGRITY: {**base[INTEGRITY], "signature": signed}}


def verify_report(report: Mapping[str, Any], ring: KeyRing) -> Verdict:
    """Check a sealed report: the chain, the head and the signature (current or previous key)."""
    verdict = Verdict()
    integrity = report.get(INTEGRITY)
    if not isinstance(integrity, Mapping):
        verdict.problems.extend(chain_problems(report))
        return verdict
    verdict.head = str(integrity.get("head"))
    events = integrity.get("events")
    verdict.events = events if isinstance(events, int) else 0
    signature = integrity.get("signature")
    unsigned = {**report, INTEGRITY: {k: v for k, v in integrity.items() if k != "signature"}}
    verdict.problems.extend(chain_problems(unsigned))
    if not isinstance(signature, Mapping):
        verdict.problems.append("not signed")
        return verdict
    verdict.key_id = str(signature.get("keyId"))
    key = ring.by_fingerprint(verdict.key_id)
    if (
        set(signature) != {"algorithm", "keyId", "sealed", "value"}
        or signature.get("algorithm") != SIGNATURE_ALGORITHM
        or signature.get("sealed") not in (SEALED_AT_RUN_END, SEALED_ON_EXPORT)
    ):
        verdict.problems.append("signature block altered")
    elif key is None:
        verdict.problems.append(f"signed with key {verdict.key_id}, which is not the key given")
    elif not hmac.compare_digest(_mac(key, integrity, signature.get("sealed")), str(signature.get("value"))):
        verdict.problems.append("signature does not match the head (record or signature altered)")
    return verdict


def export_json(report: Mapping[str, Any]) -> str:
    """The exported file: canonical JSON, sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(report, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def verify_export(data: bytes, ring: KeyRing) -> Verdict:
    """Check an exported report file byte for byte, then its chain and signature."""
    try:
        text = data.decode("utf-8")
        report = json.loads(text, object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return Verdict(problems=[f"not a report export (not UTF-8 JSON: {str(exc)[:200]})"])
    if not isinstance(report, dict):
        return Verdict(problems=["not a report export (not a JSON object)"])
    verdict = verify_report(report, ring)
    try:
        same = export_json(report) == text
    except ValueError:
        same = False
    if not same:
        verdict.problems.insert(
            0, "bytes differ from the canonical export (spacing, order or escaping edited)"
        )
    return verdict
