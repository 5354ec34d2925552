"""Seal a callback URL so it can cross the orchestration without exposing its signature.

A Logic App callback URL carries a signature (``sig=``): whoever has the URL can trigger
the Logic App. Orchestration input and history are readable by anyone with the Durable
task hub (and by the webhook API's ``showInput``), so the HTTP layer seals the URL before
the run starts and only the ``post_callback`` activity unseals it. The run keeps the
sealed blob and the URL's host (for display).

Sealing is AES-256-GCM with a key derived by HKDF-SHA256 from ``APPROVAL_SIGNING_KEY``
(a separate ``info`` label, so the derived key is useless as a signing key and vice
versa). The run id is the associated data: a blob copied into another run does not open.
Rotation: the current key seals; unsealing tries the current and then the previous key.

Blob: ``cb1.<base64url(nonce || ciphertext || tag)>``.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.approvals_tokens import KeyRing

PREFIX = "cb1."
_INFO = b"failback callback-url seal v1"
_SALT = b"asr-failback"
_NONCE_BYTES = 12


class SealError(ValueError):
    """The blob does not open with any accepted key (tampered, other run, or retired key)."""


@dataclass(frozen=True)
class SealedCallback:
    """What the run carries instead of the URL.

    Attributes:
        sealed: the opaque blob (``cb1.…``).
        host: the URL's host name, for display and logs.
    """

    sealed: str
    host: str

    def to_dict(self) -> dict[str, str]:
        """``{sealed, host}``."""
        return {"sealed": self.sealed, "host": self.host}


def _derive(key: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes  # on first use (cold start, issue 14)
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(key)


def seal_callback(ring: KeyRing, url: str, run_id: str, *, nonce: bytes | None = None) -> SealedCallback:
    """Seal ``url`` for the run ``run_id`` with the ring's current key.

    Args:
        ring: the app's keys (``notifications.links.keyring``).
        url: the callback URL, signature included.
        run_id: the run's instance id (associated data).
        nonce: 12 random bytes; tests only.

    Returns:
        The sealed blob and the URL's host.
    """
    iv = nonce if nonce is not None else os.urandom(_NONCE_BYTES)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    box = AESGCM(_derive(ring.current)).encrypt(iv, url.encode(), run_id.encode())
    blob = base64.urlsafe_b64encode(iv + box).rstrip(b"=").decode("ascii")
    return SealedCallback(PREFIX + blob, urlsplit(url).hostname or "")


def _keys(ring: KeyRing) -> Iterable[bytes]:
    yield ring.current
    if ring.previous:
        yield ring.previous


def unseal_callback(ring: KeyRing, sealed: str, run_id: str) -> str:
    """Open a blob sealed by :func:`seal_callback` for ``run_id``; current key first, then previous.

    Raises:
        SealError: malformed blob, wrong run, tampered, or sealed by a key no longer accepted.
    """
    if not sealed.startswith(PREFIX):
        raise SealError("not a sealed callback (unknown format)")
    text = sealed[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise SealError("sealed callback is not base64url") from None
    iv, box = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    if len(iv) != _NONCE_BYTES or not box:
        raise SealError("sealed callback is truncated")
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    for key in _keys(ring):
        try:
            return AESGCM(_derive(key)).decrypt(iv, box, run_id.encode()).decode()
        except InvalidTag:
            continue
    raise SealError("sealed callback does not open with the current or previous key")
