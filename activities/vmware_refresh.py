"""Activity ``refresh_configuration_server`` (seed 002, issue 16): refresh the configuration server.

A retention drive added to the master target takes up to 15 minutes to appear; seed 002 says to
refresh the configuration server when it does not. Input ``{vault, fabric, provider}``; output
``{refreshed: true, fabric, provider}``. The refresh job is started and not awaited: the run
checks the drive again after a durable timer (``orchestrators.runbook.preflight``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import azure.durable_functions as df

from activities.asr_common import Vault, arm_errors, log_event
from clients.settings import Settings

bp = df.Blueprint()


def refresh(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """Start ``refreshProvider`` on the configuration server's provider (the activity body)."""
    vault = Vault(payload["vault"], settings)
    fabric, provider = str(payload["fabric"]), str(payload["provider"])
    with arm_errors(f"refresh provider {provider} of fabric {fabric}"):
        vault.client.replication_recovery_services_providers.begin_refresh_provider(
            *vault.args, fabric, provider, polling=False
        )
    log_event(payload, "refresh_configuration_server", fabric=fabric, provider=provider)
    return {"refreshed": True, "fabric": fabric, "provider": provider}


@bp.activity_trigger(input_name="payload")
def refresh_configuration_server(payload: dict) -> dict:
    """Refresh the configuration server so a newly added retention drive is listed (seed 002)."""
    return refresh(payload)
