"""The report splits the downtime into ASR's share and the workflow's own (issue 14)."""

from __future__ import annotations

from datetime import timedelta

from domain.timeline import (
    AZURE_VM_SHUTDOWN,
    JOB_FINISHED,
    ONPREM_VERIFIED,
    PHASE_STARTED,
    downtime_shares,
    timeline_entry,
)
from tests.orchestrators.replay import T0


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def test_the_workflow_share_is_what_follows_the_switchover_job() -> None:
    timeline = [
        timeline_entry(at(0), "switchover", AZURE_VM_SHUTDOWN),
        timeline_entry(at(300), "switchover", JOB_FINISHED, jobId="j", state="Succeeded"),
        timeline_entry(at(300), "verify", PHASE_STARTED),
        timeline_entry(at(390), "verify", ONPREM_VERIFIED, computer="web01"),
    ]
    shares = downtime_shares(timeline)
    assert shares == {"seconds": 390, "asrSeconds": 300, "workflowSeconds": 90, "verificationSeconds": 90}


def test_no_shares_until_the_vm_is_verified() -> None:
    assert downtime_shares([timeline_entry(at(0), "switchover", AZURE_VM_SHUTDOWN)]) is None


def test_verification_queries_start_when_the_first_heartbeat_can_be_ingested_then_follow_closely() -> None:
    from domain.poll_plan import HEARTBEAT_SECONDS, INGESTION_SECONDS, verify_wait

    first = verify_wait(T0, T0, 0)
    assert first == timedelta(seconds=HEARTBEAT_SECONDS + INGESTION_SECONDS)
    later = [verify_wait(T0, T0 + first, n).total_seconds() for n in range(1, 8)]
    assert later[0] <= 15 and later == sorted(later) and later[-1] == 120
