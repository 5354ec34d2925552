"""Typed settings, read once from the environment (app settings in Azure).

The same names appear in ``local.settings.example.json``, in the Bicep app
settings (``infra/``) and in the simulator's defaults; a test checks that they
agree. Secrets (the approval signing keys) are read here and nowhere else, and
never travel through orchestration input, history, custom status or logs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

AZURE_ARM_ENDPOINT = "https://management.azure.com"
AZURE_LOGS_ENDPOINT = "https://api.loganalytics.io"

#: Every app setting the code reads, with a one-line purpose. Infra tests compare
#: this table with the Function App's app settings in ``infra/``.
SETTING_NAMES: dict[str, str] = {
    "TASKHUB_NAME": "Durable Functions task hub name (host.json %TASKHUB_NAME%)",
    "FAILBACK_CREDENTIAL": "'managed-identity' in Azure, 'local' for the simulator",
    "AZURE_CLIENT_ID": "client id of the user-assigned managed identity",
    "FAILBACK_ARM_ENDPOINT": "Azure Resource Manager endpoint (simulator locally)",
    "FAILBACK_LOGS_ENDPOINT": "Log Analytics query endpoint (simulator locally)",
    "FAILBACK_CA_BUNDLE": "CA bundle for the simulator's TLS certificate (empty in Azure)",
    "FAILBACK_LOCAL_MODE": "'true' enables local-only routes such as /api/outbox",
    "FAILBACK_PUBLIC_BASE_URL": "public base URL used to build approval links",
    "APPROVAL_SIGNING_KEY": "current key that signs approval tokens (Key Vault reference)",
    "APPROVAL_SIGNING_KEY_PREVIOUS": "previous key, still accepted while rotating",
    "NOTIFY_WEBHOOK_URL": "generic webhook (e.g. a Logic App) for notifications",
    "NOTIFY_TEAMS_WEBHOOK_URL": "Teams Workflows webhook for Adaptive Cards",
    "NOTIFY_ACS_ENDPOINT": "Azure Communication Services endpoint for email",
    "NOTIFY_EMAIL_SENDER": "sender address for ACS email",
    "NOTIFY_ACS_ACCESS_KEY": "ACS access key (Key Vault reference); empty: use the managed identity",
    "FAILBACK_OUTBOX_PATH": "SQLite file of the local outbox (local mode; default in the temp dir)",
    "ALERT_RULES": "JSON list mapping alert rules to failback requests",
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "Application Insights; enables OpenTelemetry export",
    "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "'true' in Azure: the Python worker configures the Azure "
    "Monitor distro (host.json telemetryMode OpenTelemetry), so the app does not configure it again",
    "FAILBACK_HISTORY_RETENTION_DAYS": "days a finished run's Durable history is kept before the daily purge "
    "deletes it (0: never purge)",
}

#: Default of ``FAILBACK_HISTORY_RETENTION_DAYS``.
DEFAULT_HISTORY_RETENTION_DAYS = 90


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Configuration of the app, resolved once per process.

    Attributes mirror ``SETTING_NAMES``; see that table for their meaning.
    """

    taskhub_name: str = "failback"
    credential: str = "managed-identity"
    azure_client_id: str = ""
    arm_endpoint: str = AZURE_ARM_ENDPOINT
    logs_endpoint: str = AZURE_LOGS_ENDPOINT
    ca_bundle: str = ""
    local_mode: bool = False
    public_base_url: str = ""
    approval_signing_key: str = field(default="", repr=False)
    approval_signing_key_previous: str = field(default="", repr=False)
    notify_webhook_url: str = ""
    notify_teams_webhook_url: str = ""
    notify_acs_endpoint: str = ""
    notify_email_sender: str = ""
    notify_acs_access_key: str = field(default="", repr=False)
    outbox_path: str = ""
    alert_rules: tuple[dict[str, Any], ...] = ()
    appinsights_connection_string: str = field(default="", repr=False)
    worker_telemetry: bool = False
    history_retention_days: int = DEFAULT_HISTORY_RETENTION_DAYS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from an environment mapping (``os.environ`` by default).

        Args:
            env: the mapping to read; tests pass their own.

        Returns:
            The resolved settings.

        Raises:
            ValueError: if ``ALERT_RULES`` is not a JSON list or ``FAILBACK_HISTORY_RETENTION_DAYS``
                is not a whole number of days (0 or more).
        """
        e = os.environ if env is None else env
        rules = json.loads(e.get("ALERT_RULES") or "[]")
        if not isinstance(rules, list):
            raise ValueError("ALERT_RULES must be a JSON list")
        retention = (e.get("FAILBACK_HISTORY_RETENTION_DAYS") or "").strip()
        if retention and (not retention.isdigit()):
            raise ValueError("FAILBACK_HISTORY_RETENTION_DAYS must be a whole number of days (0 or more)")
        return cls(
            taskhub_name=e.get("TASKHUB_NAME") or "failback",
            credential=(e.get("FAILBACK_CREDENTIAL") or "managed-identity").strip().lower(),
            azure_client_id=e.get("AZURE_CLIENT_ID", ""),
            arm_endpoint=(e.get("FAILBACK_ARM_ENDPOINT") or AZURE_ARM_ENDPOINT).rstrip("/"),
            logs_endpoint=(e.get("FAILBACK_LOGS_ENDPOINT") or AZURE_LOGS_ENDPOINT).rstrip("/"),
            ca_bundle=e.get("FAILBACK_CA_BUNDLE", ""),
            local_mode=_flag(e.get("FAILBACK_LOCAL_MODE")),
            public_base_url=(e.get("FAILBACK_PUBLIC_BASE_URL") or "").rstrip("/"),
            approval_signing_key=e.get("APPROVAL_SIGNING_KEY", ""),
            approval_signing_key_previous=e.get("APPROVAL_SIGNING_KEY_PREVIOUS", ""),
            notify_webhook_url=e.get("NOTIFY_WEBHOOK_URL", ""),
            notify_teams_webhook_url=e.get("NOTIFY_TEAMS_WEBHOOK_URL", ""),
            notify_acs_endpoint=e.get("NOTIFY_ACS_ENDPOINT", ""),
            notify_email_sender=e.get("NOTIFY_EMAIL_SENDER", ""),
            notify_acs_access_key=e.get("NOTIFY_ACS_ACCESS_KEY", ""),
            outbox_path=e.get("FAILBACK_OUTBOX_PATH", ""),
            alert_rules=tuple(rules),
            appinsights_connection_string=e.get("APPLICATIONINSIGHTS_CONNECTION_STRING", ""),
            worker_telemetry=_flag(e.get("PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY")),
            history_retention_days=int(retention) if retention else DEFAULT_HISTORY_RETENTION_DAYS,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read from ``os.environ`` on first use."""
    return Settings.from_env()
