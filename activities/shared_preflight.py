"""A wave's Hyper-V pre-flight with the vault's lists read once per grid point (``preflight_shared``).

``preflight_shared`` ``{vault, request, now}``: the pre-flight of ``activities.preflight`` with the
vault's items, protectable items, plans and sites read once per tick (``activities.tick_cache``) for
every VM of a wave.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from activities.asr_common import Vault, arm_errors
from activities.items import _matches
from activities.preflight import preflight_answer, read_site
from activities.shared_items import all_items
from activities.tick_cache import cached, payload_tick, vault_key
from clients.settings import Settings
from domain.contracts import PreflightResult
from domain.errors import FailbackError
from domain.items import item_facts
from domain.request import FailbackRequest


def _protectable_names(vault: Vault, tick: str, fabric: str, container: str) -> set[str]:
    def load() -> set[str]:
        names: set[str] = set()
        with arm_errors("list protectable items"):
            for p in vault.client.replication_protectable_items.list_by_replication_protection_containers(
                *vault.args, fabric, container
            ):
                data = p.as_dict()
                names.add(str(data.get("name") or "").lower())
                names.add(str((data.get("properties") or {}).get("friendlyName") or "").lower())
        return names

    return cached((vault_key(vault), "protectables", fabric.lower(), container.lower(), tick), load)


def _plans_by_item(vault: Vault, tick: str) -> dict[str, str]:
    def load() -> dict[str, str]:
        out: dict[str, str] = {}
        with arm_errors("list recovery plans"):
            for plan in vault.client.replication_recovery_plans.list(*vault.args):
                data = plan.as_dict()
                for group in (data.get("properties") or {}).get("groups") or []:
                    for member in group.get("replicationProtectedItems") or []:
                        out[str(member.get("id") or "").lower()] = str(data.get("name"))
        return out

    return cached((vault_key(vault), "plans", tick), load)


def _site(vault: Vault, tick: str, fabric: str) -> dict[str, Any]:
    return cached((vault_key(vault), "site", fabric.lower(), tick), lambda: read_site(vault, fabric))


def shared_preflight(payload: Mapping[str, Any], settings: Settings | None = None) -> PreflightResult:
    """``preflight_shared``: ``activities.preflight.check`` with vault-level reads shared per tick."""
    request = FailbackRequest.from_dict(payload["request"])
    vault = Vault(payload.get("vault") or request.vault.to_dict(), settings)
    tick = payload_tick(payload, settings)
    selector = request.item.to_dict()
    found = [r for r in all_items(vault, tick) if _matches(r, selector)]
    if len(found) != 1:
        code = "ITEM_NOT_FOUND" if not found else "AMBIGUOUS_ITEM"
        raise FailbackError(code, f"{len(found)} protected items match {request.item.label!r}")
    rpi = found[0]
    base = item_facts(rpi)
    props = rpi.get("properties") or {}
    protectable = str(props.get("protectableItemId") or "").rsplit("/", 1)[-1].lower()
    names = _protectable_names(vault, tick, str(base["fabric"]), str(base["container"]))
    present = protectable in names or str(base["friendlyName"] or "").lower() in names
    plan = _plans_by_item(vault, tick).get(str(rpi.get("id") or "").lower())
    facts = item_facts(rpi, on_prem_vm_present=present, recovery_plan=plan)
    site = _site(vault, tick, str(facts["fabric"]))
    return preflight_answer(payload, settings, request, facts, site, event="preflight_shared")
