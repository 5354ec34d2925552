"""Approval policy and the state of one approval gate (W2): pure logic, no I/O.

The policy dict is the request's ``approval`` section (``domain.request``):
``{approvers, timeoutHours, reminderMinutes, escalateTo, quorum, fourEyes}``,
plus optional ``escalateAfterHours``. An approver entry ``group:<objectId>``
names an Entra ID group: anyone whose App Service Authentication claims carry
that group id may decide.

:class:`GateState` is what the ``approval_gate`` sub-orchestrator folds the
decisions into. It is rebuilt on every replay from the same inputs, so it must
stay deterministic (no clocks, no randomness): time always comes in as ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

GROUP_PREFIX = "group:"
ANYONE = "*"
DECISIONS = ("approved", "rejected")
#: Sent only by the run's own cancel endpoint (contracts §7): ends the gate without an approver check.
CANCELLED = "cancelled"
#: Sent only by the run itself (activity ``close_gate``): the question is no longer asked (e.g. Azure
#: answered again while people were asked what to do about its outage); no approver check.
WITHDRAWN = "withdrawn"
#: Longest single durable timer the gate creates (Python timers are capped near six days).
MAX_TIMER = timedelta(days=5)


def _names(values: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(str(v).strip().lower() for v in (values or ()) if str(v).strip())


@dataclass(frozen=True)
class ApprovalPolicy:
    """Who may approve, how many must, and how long the gate waits.

    Attributes:
        approvers: people (UPN/e-mail) and ``group:<id>`` entries, lower case; empty means anyone.
        escalate_to: second list, allowed and notified once the gate escalates.
        timeout: how long the gate waits before the safe outcome (not approved).
        reminder_every: interval of reminders to approvers who have not decided.
        escalate_after: when to escalate (defaults to half the timeout when ``escalate_to`` is set).
        quorum: how many distinct approvals are needed.
        four_eyes: the initiator of the run may not approve it.
    """

    approvers: tuple[str, ...] = ()
    escalate_to: tuple[str, ...] = ()
    timeout: timedelta = timedelta(hours=24)
    reminder_every: timedelta | None = None
    escalate_after: timedelta | None = None
    quorum: int = 1
    four_eyes: bool = False

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> ApprovalPolicy:
        """Read the request's ``approval`` dict; absent members take safe defaults."""
        d = d or {}
        escalate_to = _names(d.get("escalateTo"))
        timeout = timedelta(hours=float(d.get("timeoutHours") or 24.0))
        escalate_after: timedelta | None = None
        if escalate_to:
            hours = d.get("escalateAfterHours")
            escalate_after = timedelta(hours=float(hours)) if hours else timeout / 2
        minutes = d.get("reminderMinutes")
        return cls(
            approvers=_names(d.get("approvers")),
            escalate_to=escalate_to,
            timeout=timeout,
            reminder_every=timedelta(minutes=float(minutes)) if minutes else None,
            escalate_after=escalate_after,
            quorum=max(1, int(d.get("quorum") or 1)),
            four_eyes=bool(d.get("fourEyes", False)),
        )

    def allowed(self, escalated: bool) -> tuple[str, ...]:
        """Return the entries allowed to decide now."""
        return self.approvers + (self.escalate_to if escalated else ())


def refusal_reason(
    policy: ApprovalPolicy,
    by: str,
    groups: Iterable[str],
    *,
    initiator: str | None,
    escalated: bool,
) -> str | None:
    """Say why ``by`` may not decide, or ``None`` if they may.

    Args:
        policy: the gate's policy.
        by: identity of the person deciding (UPN/e-mail).
        groups: Entra ID group ids from their sign-in claims (empty locally).
        initiator: who started the run (for four-eyes).
        escalated: whether the second list is already allowed.

    Returns:
        A short reason, or ``None``.
    """
    who = by.strip().lower()
    if not who:
        return "no identity"
    if policy.four_eyes and initiator and who == initiator.strip().lower():
        return "four-eyes: the initiator of the run may not approve it"
    allowed = policy.allowed(escalated)
    if not allowed or ANYONE in allowed or who in allowed:
        return None
    member_of = {GROUP_PREFIX + g.strip().lower() for g in groups}
    if member_of & set(allowed):
        return None
    if who in policy.escalate_to:
        return "not yet allowed: the escalation list may decide only after escalation"
    return "not on the approver list"


@dataclass
class GateState:
    """The running state of one gate, folded from its decisions and the clock.

    Attributes:
        policy: the gate's policy.
        gate: the gate id (decisions for another gate are ignored).
        started_at: when the gate opened.
        initiator: who started the run.
        decisions: audit trail, every decision received with who/when/comment, accepted or not.
        escalated: whether the second list has been notified and allowed.
        reminders_sent: how many reminder rounds went out.
    """

    policy: ApprovalPolicy
    gate: str
    started_at: datetime
    initiator: str | None = None
    decisions: list[dict[str, Any]] = field(default_factory=list)
    escalated: bool = False
    reminders_sent: int = 0

    @property
    def deadline(self) -> datetime:
        """When the gate gives up (safe outcome: not approved)."""
        return self.started_at + self.policy.timeout

    def accepted(self, decision: str) -> list[dict[str, Any]]:
        """Return the accepted decisions of one kind."""
        return [d for d in self.decisions if d["accepted"] and d["decision"] == decision]

    def record(self, payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """Fold one ``ApprovalDecision`` event into the state and the audit trail.

        Args:
            payload: ``{decision, by, comment, gate, groups?, nonce?, attested?}``.
            now: event time (orchestration time).

        Returns:
            The audit entry, with ``accepted`` and, when refused, ``reason``.
        """
        by = str(payload.get("by") or "").strip().lower()
        entry: dict[str, Any] = {
            "decision": payload.get("decision"),
            "by": by,
            "at": now.isoformat().replace("+00:00", "Z"),
            "comment": str(payload.get("comment") or "")[:2000],
            "nonce": payload.get("nonce"),
            "attested": list(payload.get("attested") or []),
            "accepted": False,
        }
        reason = self._refusal(payload, by)
        if reason:
            entry["reason"] = reason
        else:
            entry["accepted"] = True
        self.decisions.append(entry)
        return entry

    def _refusal(self, payload: Mapping[str, Any], by: str) -> str | None:
        if self.outcome() is not None:
            return "the gate has already decided"
        if str(payload.get("gate") or self.gate) != self.gate:
            return "decision for another gate"
        if payload.get("decision") in (CANCELLED, WITHDRAWN):
            return None
        if payload.get("decision") not in DECISIONS:
            return "decision must be 'approved' or 'rejected'"
        nonce = payload.get("nonce")
        if nonce and any(d["accepted"] and d.get("nonce") == nonce for d in self.decisions):
            return "this link was already used"
        if any(d["accepted"] and d["by"] == by for d in self.decisions):
            return "this approver already decided"
        return refusal_reason(
            self.policy,
            by,
            payload.get("groups") or (),
            initiator=self.initiator,
            escalated=self.escalated,
        )

    def outcome(self) -> str | None:
        """``cancelled``/``withdrawn``/``rejected`` (a veto) on any such decision, ``approved`` at quorum."""
        if self.accepted(CANCELLED):
            return CANCELLED
        if self.accepted(WITHDRAWN):
            return WITHDRAWN
        if self.accepted("rejected"):
            return "rejected"
        if len(self.accepted("approved")) >= self.policy.quorum:
            return "approved"
        return None

    def next_reminder_at(self) -> datetime | None:
        """When the next reminder round is due, if reminders are on and before the deadline."""
        every = self.policy.reminder_every
        if not every:
            return None
        at = self.started_at + every * (self.reminders_sent + 1)
        return at if at < self.deadline else None

    def escalation_at(self) -> datetime | None:
        """When the gate escalates, if it has not yet and escalation is configured."""
        if self.escalated or not self.policy.escalate_to or self.policy.escalate_after is None:
            return None
        at = self.started_at + self.policy.escalate_after
        return at if at < self.deadline else None

    def due(self, now: datetime) -> list[str]:
        """Return what is due at ``now`` (``"escalate"``, ``"remind"``) and mark it done."""
        actions: list[str] = []
        esc = self.escalation_at()
        if esc is not None and now >= esc:
            self.escalated = True
            actions.append("escalate")
        rem = self.next_reminder_at()
        if rem is not None and now >= rem:
            # Skip rounds missed while the host was down: one reminder, then the next slot.
            while rem is not None and now >= rem:
                self.reminders_sent += 1
                rem = self.next_reminder_at()
            actions.append("remind")
        return actions

    def next_wake(self, now: datetime) -> datetime:
        """The next moment the gate must act, capped to one durable timer's length."""
        candidates = [self.deadline, now + MAX_TIMER]
        candidates += [t for t in (self.next_reminder_at(), self.escalation_at()) if t is not None]
        return min(candidates)

    def pending_approvers(self) -> list[str]:
        """People and groups allowed now who have not decided (reminder recipients)."""
        if self.outcome() is not None:
            return []
        decided = {d["by"] for d in self.decisions if d["accepted"]}
        return [a for a in self.policy.allowed(self.escalated) if a not in decided]

    def status(self) -> dict[str, Any]:
        """The gate's custom status: what the approval page needs, no secrets."""
        return {
            "gate": self.gate,
            "open": self.outcome() is None,
            "deadline": self.deadline.isoformat().replace("+00:00", "Z"),
            "quorum": self.policy.quorum,
            "approvals": len(self.accepted("approved")),
            "escalated": self.escalated,
            "decided": [
                {"by": d["by"], "nonce": d["nonce"], "decision": d["decision"]}
                for d in self.decisions
                if d["accepted"]
            ],
        }
