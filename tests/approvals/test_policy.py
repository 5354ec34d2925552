"""Approval policy and gate state (W2): allowlists, groups, four-eyes, quorum, reminders,
escalation, deadline and the audit trail. Pure logic, so unit tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.approvals import MAX_TIMER, ApprovalPolicy, GateState, refusal_reason

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def gate(policy: dict, initiator: str | None = "ops@contoso.com") -> GateState:
    return GateState(ApprovalPolicy.from_dict(policy), "approval-1", T0, initiator)


def decide(state: GateState, by: str, decision: str = "approved", **extra: object) -> dict:
    payload = {
        "decision": decision,
        "by": by,
        "comment": f"{by} says {decision}",
        "gate": "approval-1",
        **extra,
    }
    return state.record(payload, T0 + timedelta(minutes=len(state.decisions) + 1))


def test_policy_reads_the_request_approval_section_W2() -> None:
    p = ApprovalPolicy.from_dict(
        {
            "approvers": ["Alice@Contoso.com", "group:ABC"],
            "timeoutHours": 48,
            "reminderMinutes": 60,
            "escalateTo": ["boss@contoso.com"],
            "quorum": 2,
            "fourEyes": True,
        }
    )
    assert p.approvers == ("alice@contoso.com", "group:abc")
    assert p.timeout == timedelta(hours=48)
    assert p.reminder_every == timedelta(hours=1)
    assert p.escalate_after == timedelta(hours=24)  # half the timeout by default
    assert (p.quorum, p.four_eyes) == (2, True)


def test_defaults_are_safe_W2() -> None:
    p = ApprovalPolicy.from_dict(None)
    assert p.timeout == timedelta(hours=24) and p.quorum == 1 and p.reminder_every is None


def test_single_approver_on_the_list_approves_W2() -> None:
    s = gate({"approvers": ["alice@contoso.com"]})
    entry = decide(s, "ALICE@contoso.com")
    assert entry["accepted"] and s.outcome() == "approved"


def test_someone_not_on_the_allowlist_changes_nothing_W2() -> None:
    s = gate({"approvers": ["alice@contoso.com"]})
    entry = decide(s, "mallory@contoso.com")
    assert not entry["accepted"] and entry["reason"] == "not on the approver list"
    assert s.outcome() is None
    assert s.decisions == [entry]  # still in the audit trail


def test_group_membership_from_sign_in_claims_allows_W2() -> None:
    s = gate({"approvers": ["group:1111-aaaa"]})
    assert not decide(s, "bob@contoso.com", groups=["2222"])["accepted"]
    assert decide(s, "bob@contoso.com", groups=["1111-AAAA"])["accepted"]
    assert s.outcome() == "approved"


def test_four_eyes_refuses_the_initiator_W2() -> None:
    s = gate({"approvers": ["ops@contoso.com", "alice@contoso.com"], "fourEyes": True})
    entry = decide(s, "OPS@contoso.com")
    assert not entry["accepted"] and entry["reason"].startswith("four-eyes")
    assert decide(s, "alice@contoso.com")["accepted"]
    assert s.outcome() == "approved"


def test_without_four_eyes_the_initiator_may_approve_W2() -> None:
    s = gate({"approvers": ["ops@contoso.com"]})
    assert decide(s, "ops@contoso.com")["accepted"]


def test_quorum_needs_distinct_approvers_W2() -> None:
    s = gate({"approvers": ["a@x", "b@x", "c@x"], "quorum": 2})
    decide(s, "a@x")
    assert s.outcome() is None
    again = decide(s, "a@x")
    assert not again["accepted"] and again["reason"] == "this approver already decided"
    assert s.outcome() is None
    decide(s, "c@x")
    assert s.outcome() == "approved"
    assert s.status()["approvals"] == 2


def test_one_rejection_vetoes_even_with_quorum_pending_W2() -> None:
    s = gate({"approvers": ["a@x", "b@x", "c@x"], "quorum": 2})
    decide(s, "a@x")
    decide(s, "b@x", "rejected")
    assert s.outcome() == "rejected"
    late = decide(s, "c@x")
    assert not late["accepted"] and late["reason"] == "the gate has already decided"


def test_used_link_nonce_is_refused_W2() -> None:
    s = gate({"approvers": ["group:ops"], "quorum": 2})
    assert decide(s, "a@x", groups=["ops"], nonce="n1")["accepted"]
    replay = decide(s, "b@x", groups=["ops"], nonce="n1")
    assert not replay["accepted"] and replay["reason"] == "this link was already used"


def test_decision_for_another_gate_or_of_unknown_kind_is_refused_W2() -> None:
    s = gate({"approvers": ["a@x"]})
    assert decide(s, "a@x", gate="approval-0")["reason"] == "decision for another gate"
    assert "must be" in decide(s, "a@x", "maybe")["reason"]
    assert s.outcome() is None


def test_audit_trail_records_who_when_comment_W2() -> None:
    s = gate({"approvers": ["a@x"]})
    entry = decide(s, "a@x", attested=["console-access"])
    assert entry["by"] == "a@x" and entry["comment"] == "a@x says approved"
    assert entry["at"] == "2026-01-01T00:01:00Z" and entry["attested"] == ["console-access"]


def test_reminders_are_due_at_intervals_and_stop_before_the_deadline_W2() -> None:
    s = gate({"approvers": ["a@x", "b@x"], "timeoutHours": 3, "reminderMinutes": 60})
    assert s.next_wake(T0) == T0 + timedelta(hours=1)
    assert s.due(T0 + timedelta(minutes=59)) == []
    assert s.due(T0 + timedelta(hours=1)) == ["remind"]
    decide(s, "a@x")
    assert s.pending_approvers() == []  # quorum reached: nobody left to remind
    s2 = gate({"approvers": ["a@x", "b@x"], "timeoutHours": 3, "reminderMinutes": 60, "quorum": 2})
    s2.due(T0 + timedelta(hours=1))
    decide(s2, "a@x")
    assert s2.pending_approvers() == ["b@x"]
    assert s2.due(T0 + timedelta(hours=2)) == ["remind"]
    assert s2.next_reminder_at() is None  # the 3rd would fall on the deadline
    assert s2.next_wake(T0 + timedelta(hours=2)) == s2.deadline


def test_missed_reminders_collapse_into_one_W2() -> None:
    s = gate({"approvers": ["a@x"], "timeoutHours": 10, "reminderMinutes": 60})
    assert s.due(T0 + timedelta(hours=4, minutes=30)) == ["remind"]
    assert s.next_reminder_at() == T0 + timedelta(hours=5)


def test_escalation_allows_the_second_list_only_after_it_is_due_W2() -> None:
    s = gate({"approvers": ["a@x"], "escalateTo": ["boss@x"], "timeoutHours": 8})
    early = decide(s, "boss@x")
    assert not early["accepted"] and early["reason"].startswith("not yet allowed")
    assert s.next_wake(T0) == T0 + timedelta(hours=4)
    assert s.due(T0 + timedelta(hours=4)) == ["escalate"]
    assert s.escalated and s.escalation_at() is None
    assert decide(s, "boss@x")["accepted"]
    assert s.outcome() == "approved"


def test_long_timeouts_wake_at_most_every_max_timer_W2() -> None:
    s = gate({"approvers": ["a@x"], "timeoutHours": 24 * 14})
    assert s.next_wake(T0) == T0 + MAX_TIMER
    assert timedelta(days=6) > MAX_TIMER
    assert s.next_wake(T0 + timedelta(days=10)) == s.deadline


def test_open_policy_allows_anyone_but_the_initiator_under_four_eyes_W2() -> None:
    p = ApprovalPolicy.from_dict({"fourEyes": True})
    assert refusal_reason(p, "x@y", [], initiator="ops@x", escalated=False) is None
    assert refusal_reason(p, "ops@x", [], initiator="ops@x", escalated=False) is not None
    assert refusal_reason(p, "  ", [], initiator=None, escalated=False) == "no identity"


def test_status_carries_no_comment_text_and_lists_decided_links_W2() -> None:
    s = gate({"approvers": ["a@x", "b@x"], "quorum": 2})
    decide(s, "a@x", nonce="n1")
    st = s.status()
    assert st["open"] and st["decided"] == [{"by": "a@x", "nonce": "n1", "decision": "approved"}]


def test_cancel_from_the_run_ends_the_gate_without_approver_check_W2() -> None:
    s = gate({"approvers": ["a@x"]})
    assert decide(s, "ops@contoso.com", "cancelled")["accepted"]
    assert s.outcome() == "cancelled"
    assert not decide(s, "a@x")["accepted"]
