"""URLs the host hands out: management payloads and the durableClient binding (§4.1, §4.3)."""

from __future__ import annotations

import json
from typing import Any

WEBHOOK_PATH = "/runtime/webhooks/durabletask"
RPC_PATH = "/durabletask/"


def _query(hub: str, code: str | None) -> str:
    query = f"taskHub={hub}&connection=Storage"
    return f"{query}&code={code}" if code else query


def management_urls(
    origin: str, instance_id: str, hub: str, code: str | None, *, rewind: bool = True
) -> dict[str, str]:
    """The management URL set for ``instance_id`` (``INSTANCEID`` for the binding template)."""
    base = f"{origin}{WEBHOOK_PATH}/instances/{instance_id}"
    q = _query(hub, code)
    urls = {
        "id": instance_id,
        "statusQueryGetUri": f"{base}?{q}",
        "sendEventPostUri": f"{base}/raiseEvent/{{eventName}}?{q}",
        "terminatePostUri": f"{base}/terminate?reason={{text}}&{q}",
        "rewindPostUri": f"{base}/rewind?reason={{text}}&{q}",
        "purgeHistoryDeleteUri": f"{base}?{q}",
        "restartPostUri": f"{base}/restart?{q}",
        "suspendPostUri": f"{base}/suspend?reason={{text}}&{q}",
        "resumePostUri": f"{base}/resume?reason={{text}}&{q}",
    }
    if not rewind:
        urls.pop("rewindPostUri")
    return urls


def client_binding(origin: str, hub: str, code: str | None) -> str:
    """The durableClient binding JSON string with this host's ``rpcBaseUrl``."""
    base = f"{origin}{WEBHOOK_PATH}"
    code_part = f"&code={code}" if code else ""
    binding: dict[str, Any] = {
        "taskHubName": hub,
        "connectionName": None,
        "creationUrls": {
            "createNewInstancePostUri": f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]?"
            + (f"code={code}" if code else ""),
            "createAndWaitOnNewInstancePostUri": f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]"
            f"?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}{code_part}",
        },
        "managementUrls": management_urls(origin, "INSTANCEID", hub, code),
        "baseUrl": base,
        "requiredQueryStringParameters": f"code={code}" if code else "",
        "rpcBaseUrl": f"{origin}{RPC_PATH}",
        "httpBaseUrl": None,
    }
    return json.dumps(binding)
