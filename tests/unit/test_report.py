"""Timeline, phase durations, downtime and the report (issue 4 §3 report, V6)."""

from datetime import timedelta

import pytest

from domain import report as r
from tests.unit.samples import NOW


def _at(minutes):
    return NOW + timedelta(minutes=minutes)


def _timeline():
    return [
        r.timeline_entry(_at(0), "preflight", r.PHASE_STARTED),
        r.timeline_entry(_at(1), "preflight", r.PHASE_FINISHED),
        r.timeline_entry(_at(1), "sync", r.PHASE_STARTED),
        r.timeline_entry(_at(1), "sync", r.JOB_STARTED, jobId="j1", operation="plannedFailover"),
        r.timeline_entry(_at(30), "sync", r.PHASE_FINISHED),
        r.timeline_entry(_at(30), "approval", r.PHASE_STARTED),
        r.timeline_entry(
            _at(45), "approval", r.DECISION, decision="approved", by="ops-lead@contoso.com", comment=None
        ),
        r.timeline_entry(_at(45), "approval", r.PHASE_FINISHED),
        r.timeline_entry(_at(45), "switchover", r.PHASE_STARTED),
        r.timeline_entry(_at(45), "switchover", r.AZURE_VM_SHUTDOWN, jobId="j1"),
        r.timeline_entry(_at(55), "switchover", r.JOB_FINISHED, jobId="j1", state="Succeeded"),
        r.timeline_entry(_at(55), "switchover", r.PHASE_FINISHED),
        r.timeline_entry(_at(55), "verify", r.PHASE_STARTED),
        r.timeline_entry(_at(58), "verify", r.ONPREM_VERIFIED),
        r.timeline_entry(_at(58), "verify", r.PHASE_FINISHED),
        r.timeline_entry(_at(58), "commit", r.PHASE_STARTED),
        r.timeline_entry(_at(59), "commit", r.JOB_ADOPTED, jobId="j2", operation="commit"),
    ]


def test_timeline_entry_drops_empty_details_and_serialises_time():
    entry = r.timeline_entry(NOW, "sync", r.NOTE, message="x", jobId=None)
    assert entry == {"at": NOW.isoformat(), "phase": "sync", "event": "note", "message": "x"}


def test_phase_durations_include_unfinished_phases():
    durations = {d["phase"]: d["seconds"] for d in r.phase_durations(_timeline())}
    assert durations == {
        "preflight": 60,
        "sync": 1740,
        "approval": 900,
        "switchover": 600,
        "verify": 180,
        "commit": None,
    }


def test_downtime_runs_from_azure_shutdown_to_onprem_verified():
    assert r.downtime_seconds(_timeline()) == 13 * 60
    assert r.downtime_seconds(_timeline()[:12]) is None


def test_report_collects_jobs_decisions_and_after_effects():
    request = {
        "kind": "hyperv",
        "vault": {"name": "vault-dr"},
        "item": {"friendlyName": "web01"},
        "location": "original",
    }
    rep = r.build_report(
        run_id="fb-vault-dr-web01-20260110120000",
        request=request,
        outcome="succeeded",
        timeline=_timeline(),
        data_sync={"dataSyncOption": "before-failover"},
    )
    assert rep["asrJobs"] == [
        {"operation": "plannedFailover", "jobId": "j1", "adopted": False, "state": "Succeeded"},
        {"operation": "commit", "jobId": "j2", "adopted": True, "state": None},
    ]
    assert rep["decisions"][0]["by"] == "ops-lead@contoso.com"
    assert rep["downtimeSeconds"] == 780
    assert rep["startedAt"] == NOW.isoformat()
    assert rep["afterEffects"] == []
    assert rep["error"] is None


def test_V6_after_effects_for_linux_vmware():
    assert "DHCP" in r.after_effects("vmware-classic", "Linux")[0]
    assert r.after_effects("vmware-modernized", "Windows") == []
    assert r.after_effects("hyperv", "Linux") == []


def test_build_report_accepts_each_outcome_and_refuses_unknown_ones():
    """W1 report: an outcome a caller cannot interpret (e.g. the old ``held``) is refused.

    The runbook can only end a run with an ``Outcome`` member (``RunStopped``, ``abandon`` and the
    report take ``Outcome``; mypy checks it), so the outcomes stay in step without reading its source.
    """
    for outcome in r.OUTCOMES:
        assert r.build_report(run_id="x", request={}, outcome=outcome, timeline=[])["outcome"] == outcome
    for bad in ("held", "timeout", "Succeeded", ""):
        with pytest.raises(ValueError, match="unknown outcome"):
            r.build_report(run_id="x", request={}, outcome=bad, timeline=[])


def test_report_advises_on_sync_time_only_when_phase_1_ran_long_H11():
    def report(minutes: int, disk_gb: float) -> dict:
        timeline = [
            r.timeline_entry("2026-03-01T22:00:00Z", "sync", r.PHASE_STARTED),
            r.timeline_entry(
                f"2026-03-01T{22 + minutes // 60:02d}:{minutes % 60:02d}:00Z", "sync", r.PHASE_FINISHED
            ),
        ]
        return r.build_report(
            run_id="fb-x",
            request={"kind": "hyperv"},
            outcome=r.SUCCEEDED,
            timeline=timeline,
            item={"name": "vm", "diskSizeGB": disk_gb},
            data_sync={"dataSyncOption": "before-failover"},
        )

    assert report(20, 60)["advice"] == []
    (advice,) = report(90, 60)["advice"]
    assert "sync phase 1 took 90 min" in advice and "more threads" in advice
    assert "estimated at" in report(20, 600)["advice"][0]  # 600 GB: phase 1 estimated at 200 min
