"""Opt-in end-to-end checks against a real deployment (``pytest -m live``; never in CI).

Deselected by default (``-m 'not live'`` in pyproject). Run after ``azd up`` with the azd
outputs in the environment (``set -a; eval "$(azd env get-values)"; set +a``) plus:

- ``FAILBACK_FUNCTION_KEY``: a function key (``az functionapp keys list``);
- ``AZURE_SUBSCRIPTION_ID``: the app's subscription (azd sets it);
- for the dry run: ``FAILBACK_LIVE_VAULT_ID`` (vault resource id), ``FAILBACK_LIVE_ITEM``
  (VM friendly name), ``FAILBACK_LIVE_APPROVER``, ``FAILBACK_LIVE_WORKSPACE_ID`` (workspace
  customer id) and ``FAILBACK_LIVE_COMPUTER``.

Credentials for ARM come from ``DefaultAzureCredential`` (``az login`` is enough). A missing
variable fails the test with its name: these tests are chosen on purpose, never skipped.
"""

from __future__ import annotations

import os
import time

import pytest
import requests

pytestmark = pytest.mark.live

ARM = "https://management.azure.com"


def _env(*names: str) -> list[str]:
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        pytest.fail(f"live test needs environment variables: {', '.join(missing)} (see docs/deploy.md)")
    return [os.environ[n] for n in names]


def test_deployed_app_indexed_its_functions() -> None:
    sub, rg, app = _env("AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_APP_NAME")
    from azure.identity import DefaultAzureCredential

    token = DefaultAzureCredential().get_token(f"{ARM}/.default").token
    url = f"{ARM}/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{app}/functions"
    resp = requests.get(
        url, params={"api-version": "2024-04-01"}, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    resp.raise_for_status()
    names = {f["name"].split("/")[-1] for f in resp.json()["value"]}
    assert len(names) > 0
    assert "health" in names


def test_health_endpoint_answers_anonymously() -> None:
    (base,) = _env("FAILBACK_BASE_URL")
    resp = requests.get(f"{base}/api/health", timeout=60)
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_dry_run_reads_the_real_vault_with_the_apps_identity() -> None:
    """A dry run exercises pre-flight reads with Site Recovery Operator only (no ASR change)."""
    base, key, vault_id, item, approver, workspace, computer = _env(
        "FAILBACK_BASE_URL",
        "FAILBACK_FUNCTION_KEY",
        "FAILBACK_LIVE_VAULT_ID",
        "FAILBACK_LIVE_ITEM",
        "FAILBACK_LIVE_APPROVER",
        "FAILBACK_LIVE_WORKSPACE_ID",
        "FAILBACK_LIVE_COMPUTER",
    )
    parts = vault_id.strip("/").split("/")
    body = {
        "vault": {"subscriptionId": parts[1], "resourceGroup": parts[3], "name": parts[-1]},
        "item": {"friendlyName": item},
        "approval": {"approvers": [approver]},
        "verification": {"workspaceId": workspace, "computer": computer},
        "dryRun": True,
    }
    headers = {"x-functions-key": key}
    resp = requests.post(f"{base}/api/failbacks", json=body, headers=headers, timeout=60)
    assert resp.status_code in (200, 202), resp.text
    deadline = time.monotonic() + 600
    while resp.status_code == 202 and time.monotonic() < deadline:
        time.sleep(int(resp.headers.get("Retry-After", "10")))
        resp = requests.get(resp.headers["Location"], headers=headers, timeout=60)
    assert resp.status_code == 200, resp.text
    # A missing or too narrow role shows up as ARM's AuthorizationFailed in the pre-flight evidence.
    assert "AuthorizationFailed" not in resp.text
