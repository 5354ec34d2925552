"""Activity ``get_item``, and finding a protected item by either name (``find_rpi``, used by pre-flight).

:func:`resolve` finds the item by ASR name or VM friendly name (case-insensitive) and
returns ``{item: ItemRef, facts: ItemFacts}``, with ``onPremVmPresent`` (from the
container's protectable items, ``None`` when ASR cannot tell) and ``recoveryPlan``.
``get_item`` re-reads a known item cheaply (those two stay ``None``). Both only read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import azure.durable_functions as df

from activities.asr_common import Vault, arm_errors, log_event
from clients.settings import Settings
from domain.contracts import ItemFacts, ItemInput
from domain.errors import FailbackError
from domain.items import item_facts, item_ref

bp = df.Blueprint()


def read_rpi(vault: Vault, ref: Mapping[str, Any]) -> dict[str, Any]:
    """GET one protected item (wire dict) by ``{fabric, container, name}``."""
    with arm_errors(f"get item {ref.get('name')}"):
        model = vault.client.replication_protected_items.get(
            *vault.args, str(ref["fabric"]), str(ref["container"]), str(ref["name"])
        )
    return dict(model.as_dict())


def _matches(rpi: Mapping[str, Any], selector: Mapping[str, Any]) -> bool:
    props = rpi.get("properties") or {}
    facts = item_facts(rpi)
    if selector.get("fabric") and str(facts["fabric"]).lower() != str(selector["fabric"]).lower():
        return False
    if selector.get("container") and str(facts["container"]).lower() != str(selector["container"]).lower():
        return False
    if selector.get("name"):
        return str(rpi.get("name") or "").lower() == str(selector["name"]).lower()
    return str(props.get("friendlyName") or "").lower() == str(selector.get("friendlyName") or "").lower()


def find_rpi(vault: Vault, selector: Mapping[str, Any]) -> dict[str, Any]:
    """Find exactly one protected item matching the selector, or raise a coded error."""
    label = selector.get("name") or selector.get("friendlyName")
    if not label:
        raise FailbackError("REQUEST_INVALID", "item needs a name or a friendlyName")
    if selector.get("name") and selector.get("fabric") and selector.get("container"):
        return read_rpi(vault, selector)
    with arm_errors(f"list items of vault {vault.name}", not_found="VAULT_NOT_FOUND"):
        candidates = [dict(m.as_dict()) for m in vault.client.replication_protected_items.list(*vault.args)]
    found = [c for c in candidates if _matches(c, selector)]
    if not found:
        known = sorted(str((c.get("properties") or {}).get("friendlyName")) for c in candidates)[:20]
        raise FailbackError(
            "ITEM_NOT_FOUND", f"no protected item {label!r} in vault {vault.name} (items: {', '.join(known)})"
        )
    if len(found) > 1:
        names = ", ".join(f"{item_facts(c)['fabric']}/{c.get('name')}" for c in found)
        raise FailbackError("AMBIGUOUS_ITEM", f"{len(found)} protected items match {label!r}: {names}")
    return found[0]


def on_prem_vm_present(vault: Vault, rpi: Mapping[str, Any]) -> bool | None:
    """Whether the original VM is still known on-prem, from the container's protectable items.

    ``None`` when the list cannot be read: pre-flight then leaves the decision to ASR
    instead of guessing "deleted".
    """
    facts = item_facts(rpi)
    props = rpi.get("properties") or {}
    wanted_id = str(props.get("protectableItemId") or "").rsplit("/", 1)[-1].lower()
    wanted_name = str(facts["friendlyName"] or "").lower()
    try:
        with arm_errors("list protectable items"):
            pages = vault.client.replication_protectable_items.list_by_replication_protection_containers(
                *vault.args, str(facts["fabric"]), str(facts["container"])
            )
            for item in pages:
                data = item.as_dict()
                name = str((data.get("properties") or {}).get("friendlyName") or "").lower()
                if str(data.get("name") or "").lower() == wanted_id or (wanted_name and name == wanted_name):
                    return True
        return False
    except FailbackError:
        return None


def recovery_plan_of(vault: Vault, rpi: Mapping[str, Any]) -> str | None:
    """Name of a recovery plan that contains the item, ``None`` if none (or plans cannot be read)."""
    wanted = str(rpi.get("id") or "").lower()
    try:
        with arm_errors("list recovery plans"):
            for plan in vault.client.replication_recovery_plans.list(*vault.args):
                data = plan.as_dict()
                for group in (data.get("properties") or {}).get("groups") or []:
                    for member in group.get("replicationProtectedItems") or []:
                        if str(member.get("id") or "").lower() == wanted:
                            return str(data.get("name"))
    except FailbackError:
        return None
    return None


def resolve(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """Find the item and read its full facts.

    Args:
        payload: ``{vault, item: {name} | {friendlyName} (+ fabric, container hints)}``.
        settings: app settings (tests pass the simulator's).

    Returns:
        ``{item: ItemRef, facts: ItemFacts}``.
    """
    vault = Vault(payload["vault"], settings)
    rpi = find_rpi(vault, payload.get("item") or {})
    facts = item_facts(
        rpi, on_prem_vm_present=on_prem_vm_present(vault, rpi), recovery_plan=recovery_plan_of(vault, rpi)
    )
    log_event(payload, "resolve_item", item=facts["name"], friendlyName=facts["friendlyName"])
    return {"item": item_ref(facts), "facts": facts}


def read_item(payload: ItemInput, settings: Settings | None = None) -> ItemFacts:
    """Read a known item's facts (the ``get_item`` activity body).

    Args:
        payload: ``{vault, item: ItemRef}``.
        settings: app settings.

    Returns:
        ``ItemFacts`` (``onPremVmPresent`` and ``recoveryPlan`` are ``None``: not looked up).
    """
    vault = Vault(payload["vault"], settings)
    return item_facts(read_rpi(vault, payload["item"]))


@bp.activity_trigger(input_name="payload")
def get_item(payload: dict) -> dict:
    """Read a protected item's ``ItemFacts`` (docs/contracts.md §5)."""
    return dict(read_item(cast(ItemInput, payload)))
