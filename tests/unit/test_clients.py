"""Client factories: local credential (contracts §3), per-process caching, retry policy settings."""

from azure.identity import ManagedIdentityCredential

from clients import asr, logs
from clients.credentials import LOCAL_TOKEN, LocalCredential, get_credential
from clients.retry import MAX_RETRY_AFTER_SECONDS, BoundedRetryPolicy
from clients.settings import Settings

LOCAL = Settings.from_env({"FAILBACK_CREDENTIAL": "local", "FAILBACK_ARM_ENDPOINT": "https://127.0.0.1:1"})


def test_local_credential_returns_the_static_token_for_any_scope():
    cred = LocalCredential()
    assert cred.get_token("https://management.azure.com/.default").token == LOCAL_TOKEN
    assert cred.get_token_info("https://api.loganalytics.io/.default").token == LOCAL_TOKEN


def test_credential_is_chosen_by_setting_and_cached_per_process():
    assert isinstance(get_credential(LOCAL), LocalCredential)
    assert get_credential(LOCAL) is get_credential(LOCAL)
    managed = get_credential(Settings.from_env({"AZURE_CLIENT_ID": "11111111-0000-0000-0000-000000000000"}))
    assert isinstance(managed, ManagedIdentityCredential)


def test_clients_are_cached_per_subscription_and_endpoint_not_per_call():
    try:
        one = asr.site_recovery_client("00000000-0000-0000-0000-000000000001", LOCAL)
        assert asr.site_recovery_client("00000000-0000-0000-0000-000000000001", LOCAL) is one
        assert asr.site_recovery_client("00000000-0000-0000-0000-000000000002", LOCAL) is not one
        assert logs.logs_client(LOCAL) is logs.logs_client(LOCAL)
    finally:
        asr.clear_cache()
        logs.clear_cache()


def test_connection_verify_uses_the_ca_bundle_only_when_set():
    assert asr.connection_verify(LOCAL) is True
    assert asr.connection_verify(Settings.from_env({"FAILBACK_CA_BUNDLE": "/x/ca.pem"})) == "/x/ca.pem"


def test_retry_policy_is_bounded():
    policy = BoundedRetryPolicy()
    assert policy.total_retries == 4
    assert policy.timeout == 90
    assert policy.max_retry_after == MAX_RETRY_AFTER_SECONDS
