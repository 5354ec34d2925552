"""Failback request validation: every reason at once, defaults, round trip (issue 4 §1, H3, H4, H9)."""

import json
import re
from pathlib import Path

import pytest

from domain.errors import RequestInvalid
from domain.request import FailbackRequest, parse_failback_request
from tests.unit.samples import request_body

DOC = Path(__file__).resolve().parents[2] / "docs" / "request.md"


def _reasons(body, **kw):
    with pytest.raises(RequestInvalid) as info:
        parse_failback_request(body, **kw)
    return info.value.reasons


def _doc_examples():
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOC.read_text(), re.S)]


def test_documented_examples_parse_and_round_trip():
    examples = _doc_examples()
    assert len(examples) == 2
    for body in examples:
        req = parse_failback_request(body)
        assert FailbackRequest.from_dict(req.to_dict()) == req
        assert FailbackRequest.from_dict(json.loads(json.dumps(req.to_dict()))).to_dict() == req.to_dict()


def test_full_example_keeps_every_field():
    d = parse_failback_request(_doc_examples()[0]).to_dict()
    assert d["item"] == {"friendlyName": "web01"}
    assert d["approval"]["escalateTo"] == ["it-director@contoso.com"]
    assert d["approval"]["fourEyes"] is True
    assert d["verification"]["checks"][0]["name"] == "iis-running"
    assert d["encryptionCertificate"]["thumbprint"] == "3F2A9C6B1D8E4F7A0B5C2D9E6F1A8B3C4D7E0F21"
    assert d["maintenanceWindow"]["start"] == "2026-01-10T22:00:00+09:00"


def test_minimal_request_gets_documented_defaults():
    d = parse_failback_request(request_body()).to_dict()
    assert d["kind"] == "hyperv"
    assert d["dataSync"] == "auto"
    assert d["location"] == "original"
    assert d["createVmIfNotFound"] is False
    assert d["reverseReplication"] is True
    assert d["dryRun"] is False
    assert d["approval"] == {
        "approvers": ["ops-lead@contoso.com"],
        "timeoutHours": 24.0,
        "reminderMinutes": None,
        "escalateTo": [],
        "quorum": 1,
        "fourEyes": False,
    }
    assert d["verification"]["windowMinutes"] == 30
    assert d["callbackUrl"] is None and d["maintenanceWindow"] is None


def test_every_reason_is_reported_at_once_including_unknown_fields():
    body = request_body(
        vault={"subscriptionId": "not-a-guid", "resourceGroup": "rg-dr"},
        item={"name": "a", "friendlyName": "b"},
        dataSync="sometimes",
        approval={"approvers": []},
        verification={"workspaceId": "x", "computer": "web01", "windowMinutes": 0},
        colour="blue",
        dryRun="yes",
    )
    reasons = _reasons(body)
    text = "\n".join(reasons)
    for expected in (
        "colour: unknown field",
        "vault.subscriptionId: must be a GUID such as 00000000-0000-0000-0000-000000000000 (got 'not-a-",
        "vault.name: required",
        "item: give exactly one of name",
        "dataSync: 'sometimes'",
        "approval.approvers: must name at least one person",
        "verification.workspaceId: must be a GUID",  # an identifier's rule in words, never a regex
        "verification.windowMinutes",
        "dryRun: must be true or false",
    ):
        assert expected in text, expected
    assert len(reasons) >= 9


def test_missing_sections_and_non_object_body():
    text = "\n".join(_reasons({}))
    assert "vault: required" in text and "item: required" in text
    assert "approval: required" in text and "verification: required" in text
    assert _reasons([1, 2]) == ["body: must be a JSON object"]


def test_unknown_fields_inside_sections_are_refused():
    body = request_body(item={"name": "item-web01", "vmId": "x"})
    body["approval"]["approverz"] = ["x"]
    text = "\n".join(_reasons(body))
    assert "item.vmId: unknown field" in text
    assert "approval.approverz: unknown field" in text


def test_alternate_location_needs_a_target_host_and_defaults_to_create_vm_H9():
    assert any("targetHost: required" in r for r in _reasons(request_body(location="alternate")))
    req = parse_failback_request(request_body(location="alternate", targetHost="hv-new01"))
    assert req.create_vm_if_not_found is True
    assert any("only used" in r for r in _reasons(request_body(targetHost="hv-new01")))


@pytest.mark.parametrize(
    "cert",
    [
        {"pfx": "MIIKZQIBAzCCCi8GCSqGSIb3DQEHAaCCCiAEggocMIIKGDCCBg8GCSqGSIb3"},
        {"thumbprint": "3F2A9C6B1D8E4F7A0B5C2D9E6F1A8B3C4D7E0F21", "password": "hunter2"},
        "-----BEGIN CERTIFICATE-----\nMIIB...",
        {"thumbprint": "A" * 40, "keyVaultCertificateId": "MII" + "A" * 400},
    ],
)
def test_encryption_certificate_must_be_a_reference_never_the_secret_H4(cert):
    reasons = _reasons(request_body(encryptionCertificate=cert))
    assert any("never the certificate" in r for r in reasons)


def test_encryption_certificate_thumbprint_forms_H4():
    req = parse_failback_request(
        request_body(encryptionCertificate="3f2a 9c6b1d8e4f7a0b5c2d9e6f1a8b3c4d7e0f21")
    )
    assert req.encryption_certificate is not None
    assert req.encryption_certificate.thumbprint == "3F2A9C6B1D8E4F7A0B5C2D9E6F1A8B3C4D7E0F21"
    assert any("thumbprint" in r for r in _reasons(request_body(encryptionCertificate="abc")))


def test_callback_url_https_only_except_localhost_in_local_mode():
    assert parse_failback_request(request_body(callbackUrl="https://hooks.example.com/x")).callback_url
    local = request_body(callbackUrl="http://127.0.0.1:9000/cb")
    assert any("local mode" in r for r in _reasons(local))
    assert parse_failback_request(local, local_mode=True).callback_url == "http://127.0.0.1:9000/cb"
    assert any(
        "https" in r for r in _reasons(request_body(callbackUrl="http://example.com/cb"), local_mode=True)
    )
    assert any("https" in r for r in _reasons(request_body(callbackUrl="ftp://x")))


def test_maintenance_window_needs_offsets_and_order():
    naive = request_body(maintenanceWindow={"start": "2026-01-10T22:00:00", "end": "2026-01-11T02:00:00"})
    assert any("UTC offset" in r for r in _reasons(naive))
    backwards = request_body(
        maintenanceWindow={"start": "2026-01-11T02:00:00Z", "end": "2026-01-10T22:00:00Z"}
    )
    assert any("end must be after start" in r for r in _reasons(backwards))
    garbage = request_body(maintenanceWindow={"start": "tonight", "end": "2026-01-10T22:00:00Z"})
    assert any("not an ISO 8601" in r for r in _reasons(garbage))


def test_reserved_and_unknown_kinds_are_refused_with_the_reason():
    # issue 7: every kind runs now; a plan request without its plan says what is missing
    assert any("recoveryPlan: required" in r for r in _reasons(request_body(kind="recovery-plan")))
    assert any("not one of" in r for r in _reasons(request_body(kind="aws")))


def test_approval_policy_rules():
    body = request_body(
        approval={"approvers": ["a", "a"], "timeoutHours": 1, "reminderMinutes": 90, "escalateTo": "boss"}
    )
    text = "\n".join(_reasons(body))
    assert "lists someone twice" in text
    assert "reminderMinutes: must be shorter" in text
    assert "escalateTo: must be a list" in text
    assert any(
        "quorum: 3 exceeds" in r for r in _reasons(request_body(approval={"approvers": ["a"], "quorum": 3}))
    )


def test_verification_checks_shape():
    body = request_body(
        verification={
            "workspaceId": "11111111-2222-3333-4444-555555555555",
            "computer": "web01",
            "checks": [
                {"name": "a", "query": "Heartbeat"},
                {"name": "a", "query": "x"},
                "nope",
                {"name": "b"},
            ],
        }
    )
    text = "\n".join(_reasons(body))
    assert "names must be unique" in text
    assert "verification.checks[2]: must be an object" in text
    assert "verification.checks[3].query: required" in text


def test_normalized_form_is_itself_a_valid_request_with_the_same_meaning():
    for body in _doc_examples():
        req = parse_failback_request(body)
        assert parse_failback_request(req.to_dict()) == req


def test_reverse_replication_takes_an_rpo_sla_and_a_wait_bound_or_the_boolean_R9():
    body = request_body()
    body["reverseReplication"] = {"enabled": True, "rpoSlaMinutes": 15, "maxWaitHours": 6}
    req = parse_failback_request(body)
    assert req.reverse_replication is True
    assert (req.reverse_sla.rpo_sla_minutes, req.reverse_sla.max_wait_hours) == (15, 6)
    assert FailbackRequest.from_dict(req.to_dict()) == req
    assert parse_failback_request(req.to_dict()) == req
    body["reverseReplication"] = False
    assert parse_failback_request(body).reverse_replication is False
    body["reverseReplication"] = True
    defaults = parse_failback_request(body)
    assert (defaults.reverse_sla.rpo_sla_minutes, defaults.reverse_sla.max_wait_hours) == (30, 24)
    assert defaults.to_dict()["reverseReplication"] is True
    body["reverseReplication"] = {"rpoSlaMinutes": 0, "maxWaitHours": 1000, "every": 1}
    with pytest.raises(RequestInvalid) as info:
        parse_failback_request(body)
    assert info.value.reasons == [
        "reverseReplication.every: unknown field (allowed: enabled, rpoSlaMinutes, maxWaitHours)",
        "reverseReplication.rpoSlaMinutes: must be between 1 and 1440",
        "reverseReplication.maxWaitHours: must be between 0.25 and 168",
    ]


def test_types_are_strict_and_null_means_not_given():
    body = request_body(dryRun="true", targetHost=None, maintenanceWindow=None)
    body["approval"] = {"approvers": ["a"], "quorum": "1", "timeoutHours": None}
    reasons = _reasons(body)
    assert "dryRun: must be true or false" in reasons
    assert "approval.quorum: must be an integer (how many distinct approvers must approve)" in reasons
    assert not any("timeoutHours" in r or "targetHost" in r or "maintenanceWindow" in r for r in reasons)
    body = request_body()
    body["approval"]["timeoutHours"] = None
    assert parse_failback_request(body).approval.timeout_hours == 24.0


def test_only_the_documented_camel_case_names_are_accepted():
    body = request_body()
    body["approval"]["timeout_hours"] = 4
    body["dry_run"] = True
    text = "\n".join(_reasons(body))
    assert "approval.timeout_hours: unknown field (allowed: approvers, timeoutHours," in text
    assert "dry_run: unknown field" in text


def test_a_long_refused_value_is_not_echoed_whole():
    reasons = _reasons(request_body(kind="x" * 5000))
    assert reasons[0].startswith("kind: 'xxx") and len(reasons[0]) < 200


def test_keys_the_app_adds_on_the_way_travel_in_extra_and_back():
    req = parse_failback_request(request_body())
    added = {**req.to_dict(), "liveRunJobs": {"sync": "job-1"}, "sharedPolling": True}
    again = FailbackRequest.from_dict(added)
    assert again.extra == {"liveRunJobs": {"sync": "job-1"}, "sharedPolling": True}
    assert again.to_dict() == added
    with pytest.raises(RequestInvalid, match="liveRunJobs: unknown field"):
        parse_failback_request(added)  # a caller cannot send them
