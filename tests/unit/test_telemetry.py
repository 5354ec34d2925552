"""Telemetry is opt-in through the Application Insights connection string (issue 4, point 5)."""

from clients.settings import Settings
from clients.telemetry import configure_telemetry, telemetry_options


def test_no_connection_string_configures_nothing() -> None:
    settings = Settings.from_env({"FAILBACK_CREDENTIAL": "local"})
    assert telemetry_options(settings) is None
    assert configure_telemetry(settings) is False


def test_connection_string_exports_with_the_managed_identity_in_azure() -> None:
    settings = Settings.from_env(
        {
            "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=0000-local",
            "AZURE_CLIENT_ID": "11111111-1111-1111-1111-111111111111",
        }
    )
    options = telemetry_options(settings)
    assert options is not None
    assert options["connection_string"].startswith("InstrumentationKey=")
    assert type(options["credential"]).__name__ == "ManagedIdentityCredential"


def test_local_credential_exports_without_a_token_credential() -> None:
    settings = Settings.from_env(
        {"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=x", "FAILBACK_CREDENTIAL": "local"}
    )
    options = telemetry_options(settings)
    assert options is not None and "credential" not in options


def test_the_worker_exports_when_its_distro_is_on_so_the_app_adds_no_second_exporter() -> None:
    settings = Settings.from_env(
        {
            "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=0000-local",
            "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "true",
        }
    )
    assert telemetry_options(settings) is None
    assert configure_telemetry(settings) is False
