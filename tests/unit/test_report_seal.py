"""The report's hash chain and seal (issue 13, part 5): deterministic, and every edit is found."""

from __future__ import annotations

import json

from domain.approvals_tokens import KeyRing
from domain.report import build_report
from domain.report_seal import (
    PREV_HASH,
    chain_report,
    export_json,
    genesis,
    seal,
    verify_export,
    verify_report,
)
from domain.timeline import timeline_entry

RING = KeyRing(b"unit-test-signing-key-0123456789")


def _report() -> dict:
    timeline = [
        timeline_entry("2026-03-01T22:00:00+00:00", "preflight", "phase-started"),
        timeline_entry("2026-03-01T22:05:00+00:00", "sync", "job-started", jobId="j-1", operation="sync"),
        timeline_entry(
            "2026-03-01T23:00:00+00:00", "approval", "decision", decision="approved", by="a@x", comment="ok"
        ),
        timeline_entry("2026-03-01T23:30:00+00:00", "commit", "job-finished", jobId="j-1", state="Succeeded"),
    ]
    return build_report(
        run_id="fb-v-web01-1", request={"kind": "hyperv"}, outcome="succeeded", timeline=timeline
    )


def test_the_chain_is_the_same_on_every_replay_and_after_a_json_round_trip() -> None:
    first, again = chain_report(_report()), chain_report(_report())
    assert first == again == chain_report(first)  # deterministic and idempotent
    assert chain_report(json.loads(json.dumps(first))) == first
    assert first["timeline"][0][PREV_HASH] == genesis("fb-v-web01-1")
    assert len({e[PREV_HASH] for e in first["timeline"]}) == 4 == first["integrity"]["events"]


def test_a_sealed_export_verifies_and_any_edited_byte_is_found() -> None:
    data = export_json(seal(chain_report(_report()), RING)).encode()
    assert verify_export(data, RING).ok
    accepted = [
        (p, f)
        for p in range(len(data))
        for f in (0x01, 0x04, 0x40)
        if verify_export(data[:p] + bytes([data[p] ^ f]) + data[p + 1 :], RING).ok
    ]
    assert accepted == []
    assert not verify_export(data.replace(b"\n", b"\r\n", 1), RING).ok  # still the same JSON, other bytes


def test_a_broken_chain_is_never_signed_and_an_unsigned_record_is_not_trusted() -> None:
    chained = chain_report(_report())
    chained["timeline"][2]["by"] = "mallory@x"
    sealed = seal(chained, RING)
    assert "signature" not in sealed["integrity"] and sealed["integrity"]["problems"]
    assert verify_report(chain_report(_report()), RING).problems == ["not signed"]


def test_a_reshaped_export_is_refused_with_reasons_never_an_exception() -> None:
    good = seal(chain_report(_report()), RING)
    integrity = good["integrity"]
    shapes = [
        {**good, "timeline": [1, [2], "x", None]},
        {**good, "timeline": "x"},
        {**good, "integrity": []},
        {**good, "integrity": None},
        {**good, "runId": 5},
        {**good, "integrity": {**integrity, "events": "4"}},
        {**good, "integrity": {**integrity, "extra": 1}},
        {**good, "integrity": {**integrity, "signature": {"algorithm": 1, "keyId": [], "value": None}}},
        [],
        "x",
        None,
    ]
    for shape in shapes:
        data = (json.dumps(shape, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
        verdict = verify_export(data, RING)
        assert not verdict.ok and verdict.problems, shape
    assert not verify_export(b"[" * 100_000, RING).ok


def test_a_record_signed_when_the_run_ended_keeps_that_seal_and_an_edit_of_the_store_is_refused() -> None:
    from domain.report_seal import SEALED_AT_RUN_END, sign_integrity

    record = chain_report(_report())
    record["integrity"]["signature"] = sign_integrity(RING, record["integrity"], SEALED_AT_RUN_END)
    exported = seal(record, RING)
    assert exported["integrity"]["signature"]["sealed"] == "run-end"
    assert verify_export(export_json(exported).encode(), RING).ok
    # Someone edits the stored record and recomputes the chain: the run-end seal no longer matches.
    edited = chain_report({**record, "outcome": "failed"})
    edited["integrity"]["signature"] = record["integrity"]["signature"]
    refused = seal(edited, RING)
    assert "signature" not in refused["integrity"] and refused["integrity"]["problems"]
    # The label of when it was sealed is signed too.
    relabelled = seal(record, RING)
    relabelled["integrity"]["signature"]["sealed"] = "export"
    assert not verify_export(export_json(relabelled).encode(), RING).ok
