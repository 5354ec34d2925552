"""The approval page as in Azure (local mode off): identity only from App Service
Authentication headers, expiry checked against the wall clock (W4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from domain.approvals_tokens import KeyRing, TokenClaims, issue_token
from tests.approvals.conftest import ROOT, SIGNING_KEY, app_env
from tests.approvals.gate_driver import RUN, Gate, reason

EASY_AUTH = "x-ms-client-principal-name"


@pytest.fixture
def azure_host(tmp_path: Path) -> Iterator[Any]:
    from clients.settings import get_settings
    from devhost.clock import VirtualClock
    from devhost.testing import DevHost

    env = {**app_env(tmp_path), "FAILBACK_LOCAL_MODE": "false"}
    clock = VirtualClock(start=datetime.now(UTC).replace(microsecond=0))
    get_settings.cache_clear()
    with DevHost(app_dir=ROOT, clock=clock, env=env, state_dir=tmp_path / "state") as host:
        get_settings.cache_clear()
        yield host
    get_settings.cache_clear()


def link(host: Any, approver: str, expires_in: timedelta, gate: str = "approval-1") -> str:
    # The test holds the signing key, so it can mint links as the notify activity does.
    claims = TokenClaims(RUN, gate, approver, datetime.now(UTC) + expires_in, f"n-{approver}-{expires_in}")
    return f"{host.base_url}/api/approvals/{issue_token(KeyRing.from_settings(SIGNING_KEY), claims)}"


def start_gate(host: Any) -> Gate:
    import azure.durable_functions as df

    from orchestrators.approval_gate import gate_instance_id

    gate = Gate.__new__(Gate)
    gate.host, gate.gate, gate.id = host, "approval-1", gate_instance_id(RUN, "approval-1")
    data = {
        "runId": RUN,
        "gate": "approval-1",
        "policy": {"approvers": ["alice@x", "group:ops-id"]},
        "summary": {},
    }
    host.call(df.DurableOrchestrationClient(host.client_binding()).start_new("approval_gate", gate.id, data))
    host.drive(until=lambda: gate.status().get("runtimeStatus") == "Running", timeout=30)
    return gate


def test_sign_in_is_required_and_must_match_the_link_W4(azure_host: Any) -> None:
    start_gate(azure_host)
    url = link(azure_host, "alice@x", timedelta(hours=1))
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers={EASY_AUTH: "bob@x"}, timeout=10).status_code == 403
    page = requests.get(url, headers={EASY_AUTH: "Alice@X"}, timeout=10)
    assert page.status_code == 200 and "alice@x" in page.text


def test_expired_link_is_refused_by_the_wall_clock_W4(azure_host: Any) -> None:
    start_gate(azure_host)
    url = link(azure_host, "alice@x", timedelta(seconds=-1))
    r = requests.get(url, headers={EASY_AUTH: "alice@x"}, timeout=10)
    assert r.status_code == 410 and reason(r) == "expired"
    form = {"token": url.rsplit("/", 1)[1], "decision": "reject"}
    assert requests.post(url, data=form, headers={EASY_AUTH: "alice@x"}, timeout=10).status_code == 410


def test_group_link_needs_the_group_claim_W4(azure_host: Any) -> None:
    import base64
    import json

    gate = start_gate(azure_host)
    url = link(azure_host, "group:ops-id", timedelta(hours=1))
    claims = {"claims": [{"typ": "groups", "val": "ops-id"}]}
    member = {
        EASY_AUTH: "carol@x",
        "x-ms-client-principal": base64.b64encode(json.dumps(claims).encode()).decode(),
    }
    assert requests.get(url, headers={EASY_AUTH: "carol@x"}, timeout=10).status_code == 403
    assert requests.get(url, headers=member, timeout=10).status_code == 200
    form = {"token": url.rsplit("/", 1)[1], "decision": "reject", "comment": "not tonight"}
    assert requests.post(url, data=form, headers=member, timeout=10).status_code in (200, 202)
    out = gate.output()
    assert out["decision"] == "rejected" and out["by"] == "carol@x"
