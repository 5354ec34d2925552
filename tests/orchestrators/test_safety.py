"""The cancel rule per phase (H10) and the advice after a failed ASR job: pure functions."""

from __future__ import annotations

import pytest

from orchestrators.safety import cancel_verdict, is_transient, job_failure_advice


@pytest.mark.parametrize(
    ("phase", "accepted", "code"),
    [
        ("preflight", True, "CANCELLED"),
        ("sync", False, "CANCEL_REFUSED_DATA_SYNC"),
        ("approval", True, "CANCELLED"),
        ("window", True, "CANCELLED"),
        ("switchover", False, "CANCEL_REFUSED_DATA_SYNC"),
        ("verify", False, "CANCEL_NOT_ALLOWED"),
        ("commit", False, "CANCEL_NOT_ALLOWED"),
        ("reprotect", False, "CANCEL_NOT_ALLOWED"),
        ("report", False, "CANCEL_NOT_ALLOWED"),
    ],
)
def test_cancel_is_accepted_only_before_any_change_or_while_nothing_synchronizes_H10(
    phase: str, accepted: bool, code: str
) -> None:
    verdict = cancel_verdict(phase)
    assert (verdict.accepted, verdict.code) == (accepted, code)
    assert verdict.reason


def test_refusal_during_sync_says_why_H10() -> None:
    reason = cancel_verdict("switchover").reason
    assert "may not boot" in reason and "H10" in reason


def test_advice_after_a_failed_switchover_forbids_cancel_and_commit() -> None:
    advice = job_failure_advice("switchover")
    assert "Do not cancel" in advice and "do not commit" in advice


def test_only_arm_throttling_and_outages_are_retried() -> None:
    assert is_transient("ARM_THROTTLED") and is_transient("ARM_UNAVAILABLE")
    assert not is_transient("ASR_JOB_FAILED") and not is_transient("OPERATION_NOT_ALLOWED")
