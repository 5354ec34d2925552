"""The final report of a failback run: assembled once from its timeline, outcome and results.

The timeline and its events are ``domain.timeline``; how outcomes read to people is
``domain.outcome_texts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.report_seal import chain_report as chain_report  # where runs assemble reports
from domain.run_names import Outcome
from domain.runs import estimate_downtime, sync_advice
from domain.timeline import asr_jobs, decisions, downtime_seconds, downtime_shares, phase_durations

#: Every outcome :func:`build_report` accepts.
OUTCOMES = tuple(Outcome)

#: V6: known after-effects per kind and OS type, reported to the operator.
_AFTER_EFFECTS: dict[tuple[str, str], list[str]] = {
    ("vmware", "linux"): [
        "Linux VM: the network manager package was removed; the VM uses DHCP instead of its static IP "
        "(V6). Restore the static IP configuration by hand if needed.",
    ],
}


def after_effects(kind: str, os_type: str | None) -> list[str]:
    """V6 after-effects to report for a kind (``hyperv``, ``vmware-*``) and OS type."""
    family = "vmware" if kind.startswith("vmware") else kind
    return list(_AFTER_EFFECTS.get((family, (os_type or "").lower()), []))


def gate_record(result: Mapping[str, Any] | None) -> dict[str, Any]:
    """What an approval gate's result adds to its ``decision`` timeline entry (the audit trail).

    Args:
        result: the ``approval_gate`` output (``at``, ``approvers``, ``decisions``).

    Returns:
        ``{decidedAt, approvers, votes}``: when the gate decided, every quorum member who approved,
        and every decision it received — who, when, decision, comment, the checklist items
        attested, the link's nonce, whether it counted and, if not, why.
    """
    result = result or {}
    keys = ("by", "at", "decision", "comment", "attested", "nonce", "accepted", "reason")
    votes = [
        {k: d.get(k) for k in keys if k in d} for d in result.get("decisions") or [] if isinstance(d, Mapping)
    ]
    return {
        "decidedAt": result.get("at"),
        "approvers": list(result.get("approvers") or []),
        "votes": votes,
    }


def _advice(
    durations: list[dict[str, Any]], item: Mapping[str, Any] | None, data_sync: Mapping[str, Any] | None
) -> list[str]:
    """H11: the sync-time advice when sync phase 1 ran long or the item's estimate is long."""
    phase1 = next((d["seconds"] for d in durations if d["phase"] == "sync"), None)
    option = (data_sync or {}).get("dataSyncOption")
    size = (item or {}).get("diskSizeGB")
    estimate = estimate_downtime(float(size), str(option)) if option and size is not None else None
    text = sync_advice(phase1_seconds=phase1, estimate=estimate)
    return [text] if text else []


def build_report(
    *,
    run_id: str,
    request: Mapping[str, Any],
    outcome: str,
    timeline: list[Mapping[str, Any]],
    item: Mapping[str, Any] | None = None,
    data_sync: Mapping[str, Any] | None = None,
    preflight: Mapping[str, Any] | None = None,
    verification: Mapping[str, Any] | None = None,
    error: Mapping[str, Any] | None = None,
    os_type: str | None = None,
) -> dict[str, Any]:
    """Assemble the report of a run (the orchestrator's output, posted to the callback URL).

    Args:
        run_id: the instance id.
        request: the request dict (``FailbackRequest.to_dict()``).
        outcome: one of :data:`OUTCOMES`.
        timeline: the run's timeline entries.
        item: ``ItemFacts`` (or ``ItemRef``) of the item.
        data_sync: ``resolve_data_sync`` output (option, recommendation and reason).
        preflight: the pre-flight result.
        verification: the last ``verify_onprem`` result.
        error: ``FailbackError.to_dict()``-like ``{code, message, remedy}`` when the run failed.
        os_type: the VM's OS type, for the V6 after-effects.

    Returns:
        ``{runId, outcome, vault, item, dataSync, timeline, phases, downtimeSeconds, downtime
        (ASR's and the workflow's shares, :func:`downtime_shares`), asrJobs,
        decisions, preflight, verification, afterEffects, advice, error, startedAt, finishedAt}``;
        ``advice`` carries H11's advice when sync phase 1 ran long or the estimate is long.

    Raises:
        ValueError: ``outcome`` is not one of :data:`OUTCOMES` (a report a caller cannot interpret).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
    entries = [dict(e) for e in timeline]
    durations = phase_durations(entries)
    return {
        "runId": run_id,
        "outcome": outcome,
        "kind": request.get("kind", "hyperv"),
        "vault": request.get("vault"),
        "item": dict(item) if item else request.get("item"),
        "location": request.get("location"),
        "dataSync": dict(data_sync) if data_sync else None,
        "startedAt": entries[0]["at"] if entries else None,
        "finishedAt": entries[-1]["at"] if entries else None,
        "timeline": entries,
        "phases": durations,
        "downtimeSeconds": downtime_seconds(entries),
        "downtime": downtime_shares(entries),
        "asrJobs": asr_jobs(entries),
        "decisions": decisions(entries),
        "preflight": dict(preflight) if preflight else None,
        "verification": dict(verification) if verification else None,
        "afterEffects": after_effects(str(request.get("kind", "hyperv")), os_type),
        "advice": _advice(durations, item, data_sync),
        "error": dict(error) if error else None,
    }
