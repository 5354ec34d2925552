"""Send logs and traces to Application Insights through OpenTelemetry, when configured.

Structured fields given with ``logging``'s ``extra=`` (run id, phase, ASR job id)
become custom dimensions in Application Insights. Nothing is configured when
``APPLICATIONINSIGHTS_CONNECTION_STRING`` is empty (local runs, tests).
"""

from __future__ import annotations

import logging
from typing import Any

from clients.settings import Settings

#: The Azure SDKs log every HTTP request at INFO; keep that out of Application Insights.
QUIET_LOGGERS = ("azure.core.pipeline.policies.http_logging_policy", "azure.identity")


def telemetry_options(settings: Settings) -> dict[str, Any] | None:
    """Decide how to configure the Azure Monitor distro, without doing it.

    Args:
        settings: the app settings.

    Returns:
        Keyword arguments for ``configure_azure_monitor``, or ``None`` when
        telemetry is off. In Azure the ingestion uses the app's managed identity
        (Application Insights has local authentication disabled, see ``infra/``).
    """
    if not settings.appinsights_connection_string:
        return None
    options: dict[str, Any] = {
        "connection_string": settings.appinsights_connection_string,
    }
    if settings.credential == "managed-identity":
        from azure.identity import ManagedIdentityCredential

        options["credential"] = ManagedIdentityCredential(client_id=settings.azure_client_id or None)
    return options


def configure_telemetry(settings: Settings) -> bool:
    """Configure OpenTelemetry export once per process if a connection string is set.

    Returns:
        True when export was configured.
    """
    options = telemetry_options(settings)
    if options is None:
        return False
    from azure.monitor.opentelemetry import configure_azure_monitor

    configure_azure_monitor(**options)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return True
