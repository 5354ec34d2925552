"""One run per item: the canonical ARM id of what a run fails back, and the run's instance id.

A request may name a VM by its friendly name or by its ASR name, in any case; the HTTP layer
resolves it in ASR first (``function_app.run_claim``) and keys the run on the item's canonical ARM
id (subscription, resource group, vault, fabric, container, item; lower case). The instance id is

    fb-<vault>-<vm>-<key>-g<generation>

``<vault>`` and ``<vm>`` (the friendly name ASR gives the item) are for people; ``<key>`` is a hash of
the canonical id, so two vaults of one name in two resource groups or subscriptions never share a
run; ``<generation>`` counts the runs of the item (a new run after one has ended takes the next).
Starting an instance id the host already runs is refused (the Durable singleton pattern), so of
concurrent requests for one item exactly one starts the run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

_UNSAFE = re.compile(r"[^a-z0-9-]+")
_PROVIDER = "providers/microsoft.recoveryservices/vaults"
#: Length of the hash of the canonical id in the instance id (hex digits).
KEY_LENGTH = 12
_GENERATION = re.compile(r"^-g(\d{1,6})$")


def _safe(text: str, limit: int) -> str:
    return _UNSAFE.sub("-", text.lower()).strip("-")[:limit] or "x"


def vault_id(vault: Mapping[str, Any]) -> str:
    """The vault's ARM id (lower case) from ``{subscriptionId, resourceGroup, name}``."""
    return (
        f"/subscriptions/{vault['subscriptionId']}/resourcegroups/{vault['resourceGroup']}/"
        f"{_PROVIDER}/{vault['name']}"
    ).lower()


def item_id(vault: Mapping[str, Any], fabric: str, container: str, name: str) -> str:
    """The canonical ARM id (lower case) of a replication protected item."""
    return (
        f"{vault_id(vault)}/replicationfabrics/{fabric}/replicationprotectioncontainers/{container}/"
        f"replicationprotecteditems/{name}"
    ).lower()


def plan_id(vault: Mapping[str, Any], plan: str) -> str:
    """The canonical ARM id (lower case) of a recovery plan."""
    return f"{vault_id(vault)}/replicationrecoveryplans/{plan}".lower()


def waves_id(vault: Mapping[str, Any], name: str) -> str:
    """The key of a waves run: the vault's id and the waves' name (a waves run is no ASR resource)."""
    return f"{vault_id(vault)}/waves/{name}".lower()


def unresolved_id(vault: Mapping[str, Any], label: str) -> str:
    """The key of a request naming nothing ASR knows (its run ends at pre-flight, changing nothing)."""
    return f"{vault_id(vault)}/unresolved/{label}".lower()


def run_base(vault_name: str, label: str, canonical_id: str) -> str:
    """``fb-<vault>-<vm>-<key>``: the instance ids of every run of one item start with it."""
    key = hashlib.sha256(canonical_id.lower().encode()).hexdigest()[:KEY_LENGTH]
    return f"fb-{_safe(vault_name, 24)}-{_safe(label, 32)}-{key}"


def run_id(base: str, generation: int) -> str:
    """The instance id of the ``generation``-th run of an item (1 for the first)."""
    return f"{base}-g{generation}"


def generation_of(instance_id: str, base: str) -> int | None:
    """The generation of an instance id of ``base``; None for any other id (gates, other items)."""
    if not instance_id.startswith(base):
        return None
    match = _GENERATION.match(instance_id[len(base) :])
    return int(match.group(1)) if match else None
