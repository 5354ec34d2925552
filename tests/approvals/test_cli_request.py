"""Building the start request from a file and flags (CLI, W3)."""

from __future__ import annotations

import json
from pathlib import Path

from cli.app import build_request


def test_flags_override_and_complete_the_request_file_W3(tmp_path: Path) -> None:
    file = tmp_path / "req.json"
    file.write_text(
        json.dumps(
            {
                "vault": {"subscriptionId": "s", "resourceGroup": "rg", "name": "v"},
                "item": {"name": "item-web01"},
                "approval": {"approvers": ["a@x"], "quorum": 1},
                "verification": {"workspaceId": "w", "computer": "web01"},
            }
        )
    )
    body = build_request(file, None, None, "vault-2", None, "app01", ["b@x", "c@x"], None, "app01", True)
    assert body["vault"] == {"subscriptionId": "s", "resourceGroup": "rg", "name": "vault-2"}
    assert body["item"] == {"friendlyName": "app01"}
    assert body["approval"] == {"approvers": ["b@x", "c@x"], "quorum": 1}
    assert body["verification"] == {"workspaceId": "w", "computer": "app01"}
    assert body["dryRun"] is True
    assert build_request(file, None, None, None, None, None, [], None, None, False) == json.loads(
        file.read_text()
    )
