"""Sealing the callback URL (no secrets in orchestration input/history, W3 Logic App callbacks)."""

import pytest

from domain.approvals_tokens import KeyRing
from domain.callback_seal import SealError, seal_callback, unseal_callback

URL = (
    "https://prod-00.japaneast.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sp=x&sig=S3CR3Tsig"
)
OLD = KeyRing(b"old-key-0123456789abcdef")
NEW = KeyRing(b"new-key-0123456789abcdef", previous=OLD.current)


def test_sealed_blob_hides_the_url_and_opens_for_its_run_only():
    sealed = seal_callback(NEW, URL, "fb-run-1")
    assert sealed.host == "prod-00.japaneast.logic.azure.com"
    assert "sig" not in sealed.sealed and "logic.azure" not in sealed.sealed
    assert unseal_callback(NEW, sealed.sealed, "fb-run-1") == URL
    with pytest.raises(SealError):
        unseal_callback(NEW, sealed.sealed, "fb-run-2")  # copied into another run


def test_key_rotation_opens_blobs_sealed_by_the_previous_key():
    sealed = seal_callback(OLD, URL, "fb-run-1")
    assert unseal_callback(NEW, sealed.sealed, "fb-run-1") == URL
    with pytest.raises(SealError, match="current or previous"):
        unseal_callback(KeyRing(b"third-key-0123456789abcd"), sealed.sealed, "fb-run-1")


@pytest.mark.parametrize(
    "mangle", [lambda s: s[:-2], lambda s: s[:-3] + "AAA", lambda s: "cb0" + s[3:], str.upper]
)
def test_a_tampered_blob_never_opens(mangle):
    sealed = seal_callback(NEW, URL, "fb-run-1").sealed
    with pytest.raises(SealError):
        unseal_callback(NEW, mangle(sealed), "fb-run-1")


def test_each_seal_uses_a_fresh_nonce():
    assert seal_callback(NEW, URL, "r").sealed != seal_callback(NEW, URL, "r").sealed
