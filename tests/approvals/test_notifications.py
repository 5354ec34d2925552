"""Notification channels against a real local HTTP server (W4): webhook, Teams card,
ACS e-mail with HMAC, the outbox, and the rule that no message carries a key or a
Durable system URL."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken, AzureKeyCredential
from azure.core.exceptions import HttpResponseError

from activities.notify import send_notification
from clients.settings import Settings
from domain.approvals_tokens import KeyRing, verify_token
from notifications.compose import compose
from notifications.email_acs import AcsEmailChannel
from notifications.links import approval_links, keyring
from notifications.outbox import Outbox, OutboxChannel
from notifications.registry import channels_from_settings
from notifications.teams import TeamsChannel
from notifications.webhook import WebhookChannel
from tests.approvals.capture_server import Capture


class StaticToken:
    """A token credential with a fixed token (what the managed identity would return)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, 2**31)


NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEY = "unit-test-signing-key-0123456789"
ACS_KEY = base64.b64encode(b"acs-access-key-bytes-0123456789").decode()
REQUEST = {
    "kind": "approval-request",
    "runId": "fb-vault-dr-vm01-20260101000000",
    "gate": "approval-1",
    "recipients": ["alice@contoso.com", "group:ops-team"],
    "expiresAt": "2026-01-02T00:00:00Z",
    "summary": {"vm": "vm01", "phase1": {"result": "Succeeded"}, "dataToTransferGB": 12.5},
}


def message_with_links():
    links = approval_links(
        KeyRing.from_settings(KEY),
        base_url="https://failback.example.net",
        run_id=REQUEST["runId"],
        gate="approval-1",
        recipients=REQUEST["recipients"],
        expires_at=NOW + timedelta(days=1),
    )
    return compose(REQUEST, links)


def test_one_signed_link_per_recipient_bound_to_them_W4() -> None:
    msg = message_with_links()
    assert [x.approver for x in msg.links] == ["alice@contoso.com", "group:ops-team"]
    for link in msg.links:
        token = link.path.removeprefix("/api/approvals/")
        assert link.url == "https://failback.example.net" + link.path
        result = verify_token(token, KeyRing.from_settings(KEY), NOW, current_gate="approval-1")
        assert result.ok and result.claims is not None and result.claims.approver == link.approver
    nonces = {
        verify_token(
            x.path.split("/")[-1], KeyRing.from_settings(KEY), NOW, current_gate="approval-1"
        ).claims.nonce
        for x in msg.links
    }  # type: ignore[union-attr]
    assert len(nonces) == 2


def test_message_shows_vm_and_phase1_facts_W4() -> None:
    msg = message_with_links()
    assert "vm01" in msg.subject
    assert ("Phase 1", "Succeeded") in msg.facts and ("Data to transfer (GB)", "12.5") in msg.facts


def test_webhook_posts_the_message_json_W4() -> None:
    with Capture() as cap:
        WebhookChannel(cap.url + "/hook").send(message_with_links())
    body = cap.requests[0]["json"]
    assert body["kind"] == "approval-request" and body["runId"] == REQUEST["runId"]
    assert len(body["links"]) == 2


def test_teams_card_buttons_only_open_the_page_W4() -> None:
    with Capture() as cap:
        TeamsChannel(cap.url + "/workflows").send(message_with_links())
    payload = cap.requests[0]["json"]
    card = payload["attachments"][0]["content"]
    assert payload["type"] == "message"
    assert payload["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["type"] == "AdaptiveCard"
    assert {a["type"] for a in card["actions"]} == {"Action.OpenUrl"}
    assert all(a["url"].startswith("https://failback.example.net/api/approvals/") for a in card["actions"])


def _acs(cap: Capture, credential: Any) -> AcsEmailChannel:
    return AcsEmailChannel(
        cap.url,
        "failback@contoso.com",
        credential=credential,
        polling_interval=0.01,
        connection_verify=cap.ca_bundle or True,
    )


def test_acs_email_is_signed_with_hmac_and_skips_groups_W4() -> None:
    with Capture(acs_email=True) as cap:
        _acs(cap, AzureKeyCredential(ACS_KEY)).send(message_with_links())
    req = cap.requests[0]
    assert req["path"].startswith("/emails:send?api-version=")
    assert req["json"]["recipients"]["to"] == [{"address": "alice@contoso.com"}]
    assert req["json"]["senderAddress"] == "failback@contoso.com"
    # Verify the SDK's signature as the service does: recompute it from what arrived.
    h = req["headers"]
    assert h["x-ms-content-sha256"] == base64.b64encode(hashlib.sha256(req["raw"]).digest()).decode()
    to_sign = f"POST\n{req['path']}\n{h['x-ms-date']};{h['Host']};{h['x-ms-content-sha256']}"
    expected = base64.b64encode(
        hmac.new(base64.b64decode(ACS_KEY), to_sign.encode(), hashlib.sha256).digest()
    )
    assert h["Authorization"].endswith("&Signature=" + expected.decode())
    assert h["Authorization"].startswith("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256")


def test_acs_email_with_managed_identity_sends_bearer_W4(tmp_path: Path) -> None:
    with Capture(acs_email=True, tls_dir=tmp_path) as cap:
        _acs(cap, StaticToken("tok")).send(message_with_links())
    assert cap.requests[0]["headers"]["Authorization"] == "Bearer tok"


def test_a_retried_notification_is_mailed_once_and_the_next_one_again_W4() -> None:
    first = compose({**REQUEST, "messageId": "m-1"}, [])
    with Capture(acs_email=True) as cap:
        channel = _acs(cap, AzureKeyCredential(ACS_KEY))
        channel.send(first)
        channel.send(compose({**REQUEST, "messageId": "m-1"}, []))  # the activity, retried
        channel.send(compose({**REQUEST, "kind": "reminder", "messageId": "m-2"}, []))
    ids = [r["headers"]["Operation-Id"] for r in cap.requests]
    assert ids[0] == ids[1] != ids[2]
    assert len(cap.sent) == 2


def test_an_email_the_service_fails_to_deliver_is_a_channel_error_W4() -> None:
    with Capture(acs_email=True) as cap:
        cap.email_status = "Failed"
        with pytest.raises(HttpResponseError):
            _acs(cap, AzureKeyCredential(ACS_KEY)).send(message_with_links())
        outcome = send_notification(
            {**REQUEST, "kind": "decided", "messageId": "m-3"},
            channels=[_acs(cap, AzureKeyCredential(ACS_KEY)), WebhookChannel(cap.url + "/hook")],
        )
    assert outcome["channels"] == [
        {"channel": "email", "ok": False, "error": "HttpResponseError"},
        {"channel": "webhook", "ok": True},
    ]


def test_outbox_keeps_messages_per_run_in_order_W4(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite")
    OutboxChannel(box).send(message_with_links())
    OutboxChannel(box).send(compose({**REQUEST, "kind": "decided", "runId": "other"}, []))
    rows = box.list(run_id=REQUEST["runId"])
    assert [r["kind"] for r in rows] == ["approval-request"]
    assert len(box.list()) == 2 and box.list(after=rows[0]["seq"])[0]["runId"] == "other"


def test_channels_follow_settings_and_outbox_only_in_local_mode(tmp_path: Path) -> None:
    base = Settings(notify_webhook_url="http://h", notify_teams_webhook_url="http://t")
    assert [c.name for c in channels_from_settings(base)] == ["webhook", "teams"]
    local = replace(base, local_mode=True, outbox_path=str(tmp_path / "o.sqlite"))
    assert [c.name for c in channels_from_settings(local)][-1] == "outbox"
    acs = replace(base, notify_acs_endpoint="https://x", notify_email_sender="a@b")
    assert "email" in [c.name for c in channels_from_settings(acs)]


def test_signing_key_is_required_outside_local_mode() -> None:
    with pytest.raises(ValueError, match="APPROVAL_SIGNING_KEY"):
        keyring(Settings())
    assert keyring(Settings(local_mode=True)).current


def test_no_channel_payload_carries_a_key_or_durable_url_W4() -> None:
    secrets = [KEY, ACS_KEY, "sendEventPostUri", "runtime/webhooks", "code=", "raiseEvent", "systemKey"]
    with Capture(acs_email=True) as cap:
        msg = message_with_links()
        WebhookChannel(cap.url).send(msg)
        TeamsChannel(cap.url).send(msg)
        _acs(cap, AzureKeyCredential(ACS_KEY)).send(msg)
    for req in cap.requests:
        text = req["raw"].decode()
        assert not [s for s in secrets if s in text]


def test_page_without_a_signing_key_answers_503_and_changes_nothing_W4(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio

    import azure.functions as func

    from clients.settings import get_settings
    from function_app.approvals import _show

    monkeypatch.delenv("APPROVAL_SIGNING_KEY", raising=False)
    monkeypatch.delenv("FAILBACK_LOCAL_MODE", raising=False)
    get_settings.cache_clear()
    try:
        req = func.HttpRequest(
            "GET", "http://h/api/approvals/x", headers={"accept": "application/json"}, body=b""
        )
        response = asyncio.run(_show(req, None, "x"))  # type: ignore[arg-type]  # no durable call is reached
    finally:
        get_settings.cache_clear()
    assert response.status_code == 503 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_gate_past_the_switchover_says_what_it_asks_and_its_outcome_in_the_readers_words(lang: str) -> None:
    """W4/H12 (issue 12, part 2): the azure-wait and commit-anyway gates speak of no shutdown to come."""
    switchover = compose({"kind": "approval-request", "runId": "fb-1", "gate": "switchover"}, [], lang=lang)
    for gate in ("azure-wait-1", "commit-anyway"):
        asked = compose({"kind": "approval-request", "runId": "fb-1", "gate": gate}, [], lang=lang)
        assert asked.text and asked.text != switchover.text, gate
    closed = {"kind": "decided", "runId": "fb-1", "gate": "azure-wait-2", "outcome": "withdrawn"}
    decided = compose(closed, [], lang=lang)
    assert "withdrawn:" not in decided.text if lang == "ja" else "Azure answered again" in decided.text
