"""Send logs and traces to Application Insights through OpenTelemetry, when configured.

Structured fields given with ``logging``'s ``extra=`` (run id, phase, ASR job id)
become custom dimensions in Application Insights. Nothing is configured when
``APPLICATIONINSIGHTS_CONNECTION_STRING`` is empty (local runs, tests).

In Azure the Python worker configures the distro itself when
``PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY`` is ``true`` (with host.json
``telemetryMode: OpenTelemetry``, so host and worker spans share one trace); the
exporter then authenticates with ``APPLICATIONINSIGHTS_AUTHENTICATION_STRING``
(the managed identity) and the app must not configure a second exporter.
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
        telemetry is off or the worker already configured it. In Azure the ingestion
        uses the app's managed identity (Application Insights has local
        authentication disabled, see ``infra/``).
    """
    if not settings.appinsights_connection_string or settings.worker_telemetry:
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
    if settings.appinsights_connection_string:
        # Whoever exports (the worker or this app), SDK request logs stay out.
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
    options = telemetry_options(settings)
    if options is None:
        return False
    from azure.monitor.opentelemetry import configure_azure_monitor

    configure_azure_monitor(**options)
    return True
