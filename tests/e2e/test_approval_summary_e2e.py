"""The approval page shows what the approver decides on (W4, V3, H3, contracts §7 summary).

The approver opens the link from the outbox: the page must show the pre-flight evidence, the
phase-1 result (job, state, data synchronized), the data still to transfer and the downtime
estimate computed from the item's facts, and the Hyper-V checklist no API can verify.
"""

from __future__ import annotations

import html
import re

from domain.approval_summary import HYPERV_ALTERNATE_CHECKLIST, HYPERV_CHECKLIST, data_to_transfer_gb
from domain.runs import estimate_downtime
from scripts.failback_stack import FailbackStack, sample_request
from tests.e2e.conftest import assert_clean


def _page(stack: FailbackStack, run_id: str) -> str:
    stack.drive_to(run_id, awaiting="approval")
    stack.drive(lambda: bool(stack.approval_links(run_id, "switchover")), timeout=30)
    page = stack.http.get(stack.approval_links(run_id, "switchover")[0], timeout=30)
    assert page.status_code == 200, page.text
    return html.unescape(re.sub(r"\s+", " ", page.text))


def test_approval_page_shows_preflight_phase1_data_downtime_and_checklist_W4_V3(stack: FailbackStack) -> None:
    run_id = stack.start_failback(sample_request(dataSync="before-failover"))
    job_id = stack.drive_to(run_id, awaiting="approval")["jobId"]
    page = _page(stack, run_id)

    # Pre-flight: each rule with its result and evidence.
    for rule, evidence in [
        ("The Azure VM uses managed disks", "useManagedDisks=True"),
        ("No other operation is in progress on the item", "no operation running"),
    ]:
        pill = '<span class="pill success">passed</span>'
        shown = f'{pill} {re.escape(rule)}<br><span class="muted">[^<]*{evidence}'
        assert re.search(shown, page), rule
    # Phase 1: the job, its state and whether the data was synchronized.
    phase1 = re.search(r'id="phase1">([^<]*)<', page)
    assert phase1 is not None
    assert job_id in phase1.group(1) and "state: Suspended" in phase1.group(1)
    assert "dataSynchronized: yes" in phase1.group(1)
    # Every box the approver must tick is a Hyper-V item no API can check.
    for item in HYPERV_CHECKLIST:
        assert f'value="{item["id"]}"' in page and item["text"] in page

    stack.decide(run_id, "approved")
    report = stack.finish(run_id)
    assert report["outcome"] == "succeeded"
    disk_gb = float(report["item"]["diskSizeGB"])
    assert disk_gb > 0
    # Data to transfer and downtime: estimated from the item's facts (final delta only here).
    assert f'id="data">{data_to_transfer_gb(disk_gb, "before-failover")} GB<' in page
    estimate = estimate_downtime(disk_gb, "before-failover")
    assert f'id="downtime">about {round(estimate["seconds"] / 60)} min (' in page
    attested = next(d for d in report["decisions"] if d.get("gate") == "switchover")
    assert attested["decision"] == "approved"
    # A short sync gets no H11 advice.
    assert "Sync time" not in page and report["advice"] == []
    assert_clean(stack)


def test_long_sync_shows_the_agent_threads_advice_on_the_page_and_in_the_report_H11(
    stack: FailbackStack,
) -> None:
    """app01 (384 GB): sync phase 1 is estimated at over two hours, so the approver and the report
    are told what the time depends on and that more Recovery Services agent threads speed it up."""
    run_id = stack.start_failback(sample_request("app01", dataSync="before-failover"))
    page = _page(stack, run_id)
    advice = re.search(r"<dt>Sync time</dt><dd>([^<]*)</dd>", page)
    assert advice is not None, page
    assert "sync phase 1 is estimated at 128 min" in advice.group(1)
    assert "depends on many factors" in advice.group(1)
    assert "Recovery Services agent" in advice.group(1) and "more threads" in advice.group(1)
    stack.decide(run_id, "approved")
    report = stack.finish(run_id)
    assert report["outcome"] == "succeeded", report.get("error")
    assert len(report["advice"]) == 1 and "more threads" in report["advice"][0]
    assert_clean(stack)


def test_during_failover_page_shows_the_full_download_and_no_phase1_H3b(stack: FailbackStack) -> None:
    run_id = stack.start_failback(sample_request(dataSync="during-failover"))
    page = _page(stack, run_id)
    assert 'id="phase1"' not in page  # nothing has started in ASR before this approval
    data = re.search(r'id="data">([\d.]+) GB<', page)
    assert data is not None
    stack.decide(run_id, "approved")
    report = stack.finish(run_id)
    assert float(data.group(1)) == data_to_transfer_gb(float(report["item"]["diskSizeGB"]), "during-failover")
    assert float(data.group(1)) == round(float(report["item"]["diskSizeGB"]), 1)
    assert_clean(stack, resume=0)


def test_alternate_host_requirements_are_attested_before_the_switchover_H9(stack: FailbackStack) -> None:
    """No API shows the new host's Windows version, Hyper-V role or virtual switches: the approver
    attests them, and an approval without them changes nothing."""
    run_id = stack.start_failback(sample_request(location="alternate", targetHost="hv-host-02"))
    page = _page(stack, run_id)
    for item in HYPERV_ALTERNATE_CHECKLIST:
        assert f'value="{item["id"]}"' in page and item["text"] in page
    assert "Hyper-V role" in page and "virtual switch with exactly the name" in page
    link = stack.approval_links(run_id, "switchover")[0]
    form = {"token": link.rsplit("/", 1)[-1], "decision": "approve", "comment": "host ready"}
    missing_switch = [
        i["id"] for i in HYPERV_CHECKLIST + HYPERV_ALTERNATE_CHECKLIST if i["id"] != "H9-vswitch"
    ]
    refused = stack.http.post(link, data={**form, "attest": missing_switch}, timeout=30)
    assert refused.status_code == 422 and "H9-vswitch" in refused.text
    assert stack.run(run_id)["awaiting"] == "approval"
    stack.decide(run_id, "approved")
    report = stack.finish(run_id)
    assert report["outcome"] == "succeeded", report.get("error")
    assert_clean(stack)
