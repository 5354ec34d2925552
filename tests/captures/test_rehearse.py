"""``make rehearse`` (``scripts.rehearse``) on a capture of a running simulator (issue 15).

The capture is taken through the real SDK and sanitized; the rehearsal seeds a second simulator from
it and runs the whole workflow through the local host, approving on the approval page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts.failback_stack import FailbackStack, sample_request
from scripts.rehearse import PREFLIGHT_REFUSED, main, rehearse
from simulator.clock import ManualClock
from simulator.testing import SimulatorServer
from tests.captures.test_capture_replay import capture_of


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A sanitized capture of the default scenario and its mapping."""
    folder = tmp_path_factory.mktemp("capture")
    with SimulatorServer(scenario="default", clock=ManualClock()) as sim:
        capture_of(sim, folder / "vault.json")
    return folder / "vault.json", folder / "vault.mapping.json"


def test_rehearse_entry_point_fails_back_a_hyperv_vm_named_as_the_operator_knows_it(
    captured: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture, _ = captured
    assert main(["--capture", str(capture), "--vm", "web01", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert ": ready" in printed and "ARM calls" in printed
    report = json.loads((tmp_path / "rehearsal.json").read_text())
    assert report["verdict"] == "ready" and report["run"]["outcome"] == "succeeded"
    assert report["target"] != "web01"  # the capture knows it by its pseudonym only
    assert report["dataSync"]["dataSyncOption"] == "before-failover" and report["dataSync"]["reason"]
    assert all(c["passed"] and c["evidence"] for c in report["preflight"]["checks"])
    # the ASR writes the night will make, once each
    assert report["armCalls"]["writesByKind"] == {
        "items.planned_failover": 1,
        "jobs.resume": 1,
        "items.failover_commit": 1,
        "items.reprotect": 1,
    }
    assert report["approvals"]["needed"][0]["approvers"] == ["ops-lead@contoso.example"]
    assert [d["decision"] for d in report["approvals"]["decisions"]] == ["approved"]
    assert report["checklist"] and report["downtime"]["rehearsedSeconds"] > 0
    html = (tmp_path / "rehearsal.html").read_text()
    assert "Ready: the rehearsed failback succeeded" in html and "items.planned_failover" in html
    assert report["invariants"] == []


@pytest.mark.parametrize(
    ("target", "kind", "writes"),
    [
        ({"plan": "rp-hyperv"}, "recovery-plan", {"plans.planned_failover", "plans.failover_commit"}),
        ({"vm": "vmw-win01"}, "vmware-classic", {"items.reprotect", "items.unplanned_failover"}),
    ],
)
def test_rehearse_a_plan_and_a_vmware_vm_of_the_capture(
    captured: tuple[Path, Path], tmp_path: Path, target: dict[str, str], kind: str, writes: set[str]
) -> None:
    capture, mapping = captured
    report = rehearse(capture, tmp_path, mapping_path=mapping, **target)
    assert report["verdict"] == "ready", report["run"]
    assert report["kind"] == kind
    assert writes <= set(report["armCalls"]["writesByKind"])
    assert report["approvals"]["decisions"] and report["checklist"]


def _refused(report: dict[str, Any]) -> set[str]:
    return {c["id"] for c in report["preflight"]["checks"] if not c["passed"]}


@pytest.mark.parametrize("vm", ["legacy01", "file01"])
def test_an_item_in_an_unsupported_state_is_refused_on_replay_as_on_the_source(
    captured: tuple[Path, Path], tmp_path: Path, vm: str
) -> None:
    with FailbackStack(tmp_path / "source") as stack:
        answer = stack.post("/api/failbacks", sample_request(vm, dataSync="auto", dryRun=True))
        source = (
            answer.json() if answer.status_code == 200 else {"preflight": stack.finish(answer.json()["id"])}
        )
        source_refused = _refused(source)
    assert source_refused  # H2a (storage-account disks) / H2c (not committed)
    capture, mapping = captured
    replay = rehearse(capture, tmp_path / "replay", vm=vm, mapping_path=mapping)
    assert replay["verdict"] == "refused at pre-flight"
    assert _refused(replay) == source_refused
    assert replay["armCalls"]["writes"] == 0 and replay["run"] is None
    remedies = [c["remedy"] for c in replay["preflight"]["checks"] if not c["passed"]]
    assert all(remedies)


def test_rehearse_exits_6_when_the_preflight_refuses(captured: tuple[Path, Path], tmp_path: Path) -> None:
    capture, mapping = captured
    code = main(
        ["--capture", str(capture), "--vm", "legacy01", "--mapping", str(mapping), "--out", str(tmp_path)]
    )
    assert code == PREFLIGHT_REFUSED
    assert "refused" in (tmp_path / "rehearsal.html").read_text()
