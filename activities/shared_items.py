"""A wave's item reads: one vault-level item list per grid point serves every VM (``get_item_shared``).

``get_item_shared`` ``{vault, item, tick}`` → ``ItemFacts``: one ``replication_protected_items.list``
per tick (``activities.tick_cache``) instead of a GET per VM and poll.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from activities.asr_common import Vault, arm_errors
from activities.items import _matches
from activities.tick_cache import cached, payload_tick, vault_key
from clients.settings import Settings
from domain.contracts import ItemFacts
from domain.errors import FailbackError
from domain.items import item_facts


def all_items(vault: Vault, tick: str) -> list[dict[str, Any]]:
    """Every protected item of the vault (wire dicts), one list per tick."""

    def load() -> list[dict[str, Any]]:
        with arm_errors(f"list items of vault {vault.name}", not_found="VAULT_NOT_FOUND"):
            return [dict(m.as_dict()) for m in vault.client.replication_protected_items.list(*vault.args)]

    return cached((vault_key(vault), "items", tick), load)


def listed_item(items: Iterable[Mapping[str, Any]], ref: Mapping[str, Any]) -> dict[str, Any] | None:
    """The protected item ``ref`` (``{fabric, container, name}``) among listed items, if there."""
    selector = {"name": ref["name"], "fabric": ref.get("fabric"), "container": ref.get("container")}
    return next((dict(rpi) for rpi in items if _matches(rpi, selector)), None)


def shared_item(payload: Mapping[str, Any], settings: Settings | None = None) -> ItemFacts:
    """``get_item_shared``: the item's facts from this tick's vault-level item list."""
    vault = Vault(payload["vault"], settings)
    ref = payload["item"]
    rpi = listed_item(all_items(vault, payload_tick(payload, settings)), ref)
    if rpi is None:
        raise FailbackError("ITEM_NOT_FOUND", f"no protected item {ref.get('name')} in vault {vault.name}")
    return item_facts(rpi)
