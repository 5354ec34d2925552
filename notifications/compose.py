"""Turn a ``notify`` activity input into a channel-neutral :class:`Message`, in the reader's language.

The language is ``FAILBACK_LANGUAGE`` (or the input's ``language``); times are shown in
``FAILBACK_DISPLAY_TIMEZONE`` with the offset. An approval request carries the deadline, the
maintenance window (when the summary has one) and who started the run.
"""

from __future__ import annotations

from typing import Any

from domain import i18n
from domain.i18n import N_
from notifications.message import Link, Message

_SUBJECTS = {
    "approval-request": N_("Approval needed: failback of {vm}"),
    "reminder": N_("Reminder: approval still needed for the failback of {vm}"),
    "escalation": N_("Escalated: approval needed for the failback of {vm}"),
    "decided": N_("Failback of {vm}: approval {outcome}"),
    "timeout": N_("Failback of {vm}: no approval in time, the failback will not proceed"),
}
_TEXTS = {
    "approval-request": N_(
        "Phase 1 (data sync) is done. Review what will happen and approve or reject "
        "the shutdown of the Azure VM and the final transfer."
    ),
    "reminder": N_("This failback is still waiting for your decision."),
    "escalation": N_("The approvers have not decided in time; you are asked as the escalation contact."),
    "decided": N_("The approval gate has closed with the outcome: {outcome}."),
    "timeout": N_("Nobody approved before the deadline. The safe outcome applies: not approved."),
}
#: Gates that ask something else than the switchover say so: ``(kind, gate family)`` → text.
_GATE_TEXTS = {
    ("approval-request", "commit-anyway"): N_(
        "Verification of the on-premises VM failed. Review it and approve to commit anyway (ASR deletes "
        "the Azure VM and its disks), or reject to leave the failback for manual work."
    ),
    ("approval-request", "azure-wait"): N_(
        "The failback waits for Azure after the switchover and keeps retrying. Approve to hand it over "
        "to manual work, or reject to retry now. If Azure answers again first, the question is withdrawn."
    ),
}
#: The outcome of an azure-wait gate in the reader's words (approving hands over).
_AZURE_WAIT_OUTCOMES = {
    "approved": N_("hand over to manual work"),
    "rejected": N_("retry now"),
    "withdrawn": N_("withdrawn: Azure answered again, no decision is needed"),
}
_LABELS = [
    ("vm", N_("VM")),
    ("friendlyName", N_("VM")),
    ("phase1", N_("Phase 1")),
    ("dataToTransferGB", N_("Data to transfer (GB)")),
    ("downtimeEstimateMinutes", N_("Estimated downtime (min)")),
]


def summary_facts(summary: dict[str, Any], lang: str = "en") -> list[tuple[str, str]]:
    """The few facts every message shows (from the gate summary, contracts §7)."""
    _ = i18n.gettext_for(lang)
    facts: list[tuple[str, str]] = []
    for key, label in _LABELS:
        value = summary.get(key)
        if isinstance(value, dict):
            value = value.get("result") or value.get("state")
        if value not in (None, ""):
            facts.append((_(label), str(value)))
    vms = [str(v) for v in summary.get("vms") or []]
    if vms:
        facts.append((_("VMs"), ", ".join(vms[:20]) + (" …" if len(vms) > 20 else "")))
    window = summary.get("maintenanceWindow")
    if isinstance(window, dict) and window.get("start"):
        span = f"{i18n.format_when(window['start'], lang)} – {i18n.format_when(window.get('end'), lang)}"
        facts.append((_("Maintenance window"), span))
    if summary.get("initiator"):
        facts.append((_("Started by"), str(summary["initiator"])))
    return facts


def compose(data: dict[str, Any], links: list[Link], lang: str | None = None) -> Message:
    """Build the message for one ``notify`` input.

    Args:
        data: ``{kind, runId, gate?, recipients?, summary?, outcome?, subject?, text?, expiresAt?}``.
        links: approval links (empty for information-only messages).
        lang: the language (default: the input's ``language``, else ``FAILBACK_LANGUAGE``).

    Returns:
        The message.
    """
    lang = i18n.normalize(lang or data.get("language")) or i18n.configured_language()
    _ = i18n.gettext_for(lang)
    kind = str(data.get("kind") or "info")
    summary = data.get("summary") or {}
    vm = str(
        summary.get("vm") or summary.get("friendlyName") or summary.get("item") or data.get("runId") or "?"
    )
    outcome = str(data.get("outcome") or "")
    gate = str(data.get("gate") or "")
    family = "azure-wait" if gate.startswith("azure-wait-") else gate
    if family == "azure-wait" and outcome in _AZURE_WAIT_OUTCOMES:
        outcome = _(_AZURE_WAIT_OUTCOMES[outcome])
    subject = data.get("subject") or _(_SUBJECTS.get(kind, N_("Failback {vm}: {kind}"))).format(
        vm=vm, kind=kind, outcome=outcome
    )
    text = data.get("text") or (_(_TEXTS[kind]).format(outcome=outcome) if kind in _TEXTS else "")
    if not data.get("text") and (kind, family) in _GATE_TEXTS:
        text = _(_GATE_TEXTS[(kind, family)])
    facts = summary_facts(summary, lang)
    if data.get("expiresAt") and kind in ("approval-request", "reminder", "escalation"):
        facts.append((_("Decide by"), i18n.format_when(data["expiresAt"], lang)))
    facts.append((_("Run"), str(data.get("runId") or "")))
    return Message(
        kind=kind,
        run_id=str(data.get("runId") or ""),
        gate=data.get("gate"),
        subject=str(subject),
        text=str(text),
        facts=facts,
        links=[Link(_("Review and decide"), x.url, x.path, x.approver) for x in links],
        recipients=[str(r) for r in data.get("recipients") or []],
        message_id=str(data["messageId"]) if data.get("messageId") else None,
    )
