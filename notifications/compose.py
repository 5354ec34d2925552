"""Turn a ``notify`` activity input into a channel-neutral :class:`Message`."""

from __future__ import annotations

from typing import Any

from notifications.message import Link, Message

_SUBJECTS = {
    "approval-request": "Approval needed: failback of {vm}",
    "reminder": "Reminder: approval still needed for the failback of {vm}",
    "escalation": "Escalated: approval needed for the failback of {vm}",
    "decided": "Failback of {vm}: approval {outcome}",
    "timeout": "Failback of {vm}: no approval in time, the failback will not proceed",
}
_TEXTS = {
    "approval-request": "Phase 1 (data sync) is done. Review what will happen and approve or reject "
    "the shutdown of the Azure VM and the final transfer.",
    "reminder": "This failback is still waiting for your decision.",
    "escalation": "The approvers have not decided in time; you are asked as the escalation contact.",
    "decided": "The approval gate has closed with the outcome: {outcome}.",
    "timeout": "Nobody approved before the deadline. The safe outcome applies: not approved.",
}


def summary_facts(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The few facts every message shows (from the gate summary, contracts §7)."""
    facts: list[tuple[str, str]] = []
    labels = [
        ("vm", "VM"),
        ("friendlyName", "VM"),
        ("phase1", "Phase 1"),
        ("dataToTransferGB", "Data to transfer (GB)"),
        ("downtimeEstimateMinutes", "Estimated downtime (min)"),
    ]
    for key, label in labels:
        value = summary.get(key)
        if isinstance(value, dict):
            value = value.get("result") or value.get("state")
        if value not in (None, ""):
            facts.append((label, str(value)))
    return facts


def compose(data: dict[str, Any], links: list[Link]) -> Message:
    """Build the message for one ``notify`` input.

    Args:
        data: ``{kind, runId, gate?, recipients?, summary?, outcome?, subject?, text?}``.
        links: approval links (empty for information-only messages).

    Returns:
        The message.
    """
    kind = str(data.get("kind") or "info")
    summary = data.get("summary") or {}
    vm = str(
        summary.get("vm") or summary.get("friendlyName") or summary.get("item") or data.get("runId") or "?"
    )
    outcome = str(data.get("outcome") or "")
    subject = data.get("subject") or _SUBJECTS.get(kind, "Failback {vm}: {kind}").format(
        vm=vm, kind=kind, outcome=outcome
    )
    text = data.get("text") or _TEXTS.get(kind, "").format(outcome=outcome)
    facts = [*summary_facts(summary), ("Run", str(data.get("runId") or ""))]
    return Message(
        kind=kind,
        run_id=str(data.get("runId") or ""),
        gate=data.get("gate"),
        subject=str(subject),
        text=str(text),
        facts=facts,
        links=links,
        recipients=[str(r) for r in data.get("recipients") or []],
        message_id=str(data["messageId"]) if data.get("messageId") else None,
    )
