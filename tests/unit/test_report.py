"""Timeline, phase durations, downtime and the report (issue 4 §3 report, V6)."""

from datetime import timedelta

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
