"""A record an auditor accepts (issue 13, part 5), end to end through the local host and the CLI.

Two approvers reach a quorum of two on the page (each with a comment and the checklist ticked);
the run's report names both, with times, comments and attested items, and every ASR operation
with its job id; its events are hash-chained. ``python -m cli report`` exports it (JSON, HTML in
both languages, CSV), ``python -m cli verify-report`` accepts the export and refuses it after any
edited byte.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from domain.approvals_tokens import KeyRing, key_fingerprint
from domain.report_seal import PREV_HASH, chain_report, export_json, genesis, seal, verify_export
from scripts.failback_stack import ROOT, SIGNING_KEY, FailbackStack, sample_request
from tests.e2e.conftest import assert_clean
from tests.e2e.test_waves_e2e import vm, waves_request
from tests.variants.e2e_helpers import approve

APPROVERS = ["ops-lead@contoso.example", "dba@contoso.example"]
_ATTEST = re.compile(r'name="attest" value="([^"]+)"')


def _approve_as_each(stack: FailbackStack, run_id: str) -> dict[str, list[str]]:
    """Each approver opens their own link, ticks every item and approves with a comment."""
    stack.drive(lambda: len(stack.approval_links(run_id, "switchover")) == 2, timeout=60)
    attested = {}
    for link in stack.approval_links(run_id, "switchover"):
        page = requests.get(link, timeout=30)
        assert page.status_code == 200, page.text
        ticks = _ATTEST.findall(page.text)
        who = next(a for a in APPROVERS if a in page.text)
        form = {"token": link.rsplit("/", 1)[-1], "decision": "approve", "comment": f"ok from {who}"}
        answer = requests.post(link, data={**form, "attest": ticks}, timeout=30)
        assert answer.status_code == 200, answer.text
        attested[who] = ticks
        stack.drive(lambda: True)
    return attested


def _cli(
    *args: str, key: str = SIGNING_KEY, base: str = "", fkey: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "APPROVAL_SIGNING_KEY": key,
        "FAILBACK_BASE_URL": base,
        "FAILBACK_FUNCTION_KEY": fkey,
    }
    env.pop("APPROVAL_SIGNING_KEY_PREVIOUS", None)
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# Every byte of the export is edited and verified (tens of thousands of checks): more than the default budget.
@pytest.mark.timeout(360)
def test_the_report_records_every_decider_and_job_and_an_edited_byte_is_found(
    stack: FailbackStack, tmp_path: Path
) -> None:
    body = sample_request(approval={"approvers": APPROVERS, "quorum": 2, "timeoutHours": 8})
    run_id = stack.start_failback(body)
    stack.drive_to(run_id, awaiting="approval")
    attested = _approve_as_each(stack, run_id)
    report = stack.finish(run_id)
    assert report["outcome"] == "succeeded", report.get("error")

    # Every decision with decider, time, comment and attested items; every quorum member.
    (gate,) = [d for d in report["decisions"] if d.get("gate") == "switchover"]
    assert sorted(gate["approvers"]) == sorted(APPROVERS) and gate["decidedAt"]
    votes = {v["by"]: v for v in gate["votes"]}
    assert set(votes) == set(APPROVERS)
    for who in APPROVERS:
        assert votes[who]["accepted"] is True and votes[who]["at"]
        assert votes[who]["comment"] == f"ok from {who}"
        assert votes[who]["attested"] == attested[who] and attested[who]
    # Every ASR operation with its job id.
    assert {j["operation"] for j in report["asrJobs"]} >= {"sync", "commit", "reprotect"}
    assert all(re.fullmatch(r"[0-9a-f-]{36}", j["jobId"]) for j in report["asrJobs"])
    # Each event carries the hash of the previous one.
    assert report["timeline"][0][PREV_HASH] == genesis(run_id)
    assert (
        len({e[PREV_HASH] for e in report["timeline"]})
        == len(report["timeline"])
        == report["integrity"]["events"]
    )

    # Signed when the run ended (the activity holds the key); the export keeps that seal.
    assert report["integrity"]["signature"]["sealed"] == "run-end"
    assert report["integrity"]["signature"]["keyId"] == key_fingerprint(SIGNING_KEY.encode())
    base, fkey = stack.running.base_url, stack.running.function_key
    out = tmp_path / "record.json"
    exported = _cli("report", run_id, "--format", "json", "--out", str(out), base=base, fkey=fkey)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert report["integrity"]["head"] in exported.stdout
    data = out.read_bytes()
    assert json.loads(data)["integrity"]["signature"] == report["integrity"]["signature"]
    assert SIGNING_KEY.encode() not in data and fkey.encode() not in data
    ok = _cli("verify-report", str(out))
    assert ok.returncode == 0 and "intact and signed" in ok.stdout, ok.stdout + ok.stderr

    # Flip bytes through the CLI (a few) and in-process (many): every edit is found.
    for position in (10, len(data) // 2, len(data) - 2):
        edited = tmp_path / f"edited-{position}.json"
        edited.write_bytes(data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :])
        refused = _cli("verify-report", str(edited))
        assert refused.returncode == 1 and "NOT verified" in refused.stdout, (position, refused.stdout)
    ring = KeyRing(SIGNING_KEY.encode())
    rng = random.Random(13)
    sampled = set(rng.sample(range(len(data)), min(1500, len(data))))
    edits = [(p, 0x01) for p in range(len(data))] + [(p, f) for p in sorted(sampled) for f in (0x20, 0x80)]
    missed = [
        (p, f) for p, f in edits if verify_export(data[:p] + bytes([data[p] ^ f]) + data[p + 1 :], ring).ok
    ]
    assert missed == []
    print(f"\nverify-report: {len(edits)} byte edits of a {len(data)}-byte export (every byte), 0 accepted")

    # Edits that stay valid JSON: a forged outcome re-chained without the key, a removed event, a swapped key.
    doc = json.loads(data)
    forged = chain_report({**doc, "outcome": "failed"})
    forged["integrity"]["signature"] = doc["integrity"]["signature"]
    assert not verify_export(export_json(forged).encode(), ring).ok
    dropped = chain_report({**doc, "timeline": doc["timeline"][:3] + doc["timeline"][4:]})
    dropped["integrity"]["signature"] = doc["integrity"]["signature"]
    assert not verify_export(export_json(dropped).encode(), ring).ok
    resealed = seal(chain_report({**doc, "outcome": "failed"}), KeyRing(b"someone-elses-key-0123456789"))
    assert not verify_export(export_json(resealed).encode(), ring).ok
    wrong_key = _cli("verify-report", str(out), key="another-key-entirely-0123456789")
    assert wrong_key.returncode == 1
    assert _cli("verify-report", str(out), key="").returncode == 2

    # Printable HTML in both languages, CSV of the events.
    for lang, title in (("en", "Failback report: web01"), ("ja", "フェイルバック報告書: web01")):
        page = requests.get(
            f"{base}/api/failbacks/{run_id}/report",
            params={"format": "html", "lang": lang},
            headers={"x-functions-key": fkey},
            timeout=30,
        )
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert title in page.text and report["integrity"]["head"] in page.text
        for who in APPROVERS:
            assert who in page.text and f"ok from {who}" in page.text
        assert all(j["jobId"] in page.text for j in report["asrJobs"])
        assert attested[APPROVERS[0]][0] in page.text
    csv_out = tmp_path / "record.csv"
    assert (
        _cli("report", run_id, "--format", "csv", "--out", str(csv_out), base=base, fkey=fkey).returncode == 0
    )
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text())))
    assert [r["prevHash"] for r in rows] == [e[PREV_HASH] for e in report["timeline"]]
    assert_clean(stack)


def test_a_waves_report_exports_one_csv_row_per_vm_and_verifies(tmp_path: Path) -> None:
    with FailbackStack(tmp_path, scenario="scale-10") as stack:
        run_id = stack.start_failback(
            waves_request([[vm(1), vm(2)], [vm(3)]], parallelism=2, approval="once")
        )
        stack.drive_to(run_id, awaiting="approval")
        approve(stack, run_id, gate="waves")
        report = stack.finish(run_id, timeout=120)
        assert report["outcome"] == "succeeded", report["vms"]
        (decision,) = report["decisions"]
        assert decision["comment"] and decision["votes"][0]["attested"] and decision["approvers"]
        base, fkey = stack.running.base_url, stack.running.function_key
        out = tmp_path / "waves.csv"
        assert (
            _cli("report", run_id, "--format", "csv", "--out", str(out), base=base, fkey=fkey).returncode == 0
        )
        rows = list(csv.DictReader(io.StringIO(out.read_text())))
        assert sorted((r["wave"], r["vm"], r["outcome"]) for r in rows) == [
            ("1", vm(1), "succeeded"),
            ("1", vm(2), "succeeded"),
            ("2", vm(3), "succeeded"),
        ]
        assert all(re.search(r"commit:[0-9a-f-]{36}:Succeeded", r["asrJobs"]) for r in rows)
        export = tmp_path / "waves.json"
        assert _cli("report", run_id, "--out", str(export), base=base, fkey=fkey).returncode == 0
        assert _cli("verify-report", str(export)).returncode == 0
        running = requests.get(
            f"{base}/api/failbacks/{run_id}/report",
            params={"format": "pdf"},
            headers={"x-functions-key": fkey},
            timeout=30,
        )
        assert running.status_code == 400 and running.headers["Content-Type"].startswith(
            "application/problem+json"
        )


def test_a_running_run_has_no_report_yet(stack: FailbackStack) -> None:
    run_id = stack.start_failback(sample_request())
    answer = stack.get(f"/api/failbacks/{run_id}/report")
    assert answer.status_code == 409 and answer.headers["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == "RUN_RUNNING" and "/api/runs/" in answer.headers["Location"]
    assert stack.get("/api/failbacks/fb-vault-dr-nope-20260101000000/report").status_code == 404
