"""Resolve what a failback request names to canonical ARM ids (issue 12, part 1), reading ASR.

An item by friendly name or ASR name, a recovery plan (and its members), or each member of a waves
request, through the app's own Site Recovery client (``domain.run_names`` builds the ids). A request
naming nothing ASR knows is keyed on what it names: its run ends at pre-flight with the reason,
changing nothing. ASR unreachable: :class:`ResolveUnavailableError` (the route answers 503 +
``Retry-After``). Used by ``function_app.run_claim``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from activities.asr_common import Vault, arm_errors
from activities.items import find_rpi
from clients.settings import Settings, get_settings
from domain import run_names as ids
from domain.errors import FailbackError
from domain.items import item_facts
from domain.request import FailbackRequest

log = logging.getLogger(__name__)

#: Codes of a resolution that failed because ASR could not answer (retry later), not because of the request.
UNAVAILABLE = ("ARM_UNAVAILABLE", "ARM_THROTTLED", "ARM_ERROR")


class ResolveUnavailableError(Exception):
    """ASR could not be read to resolve the item: nothing was started; retry later."""


@dataclass(frozen=True)
class Resolved:
    """What a request names, canonically.

    Attributes:
        key: the canonical ARM id the run is keyed on.
        label: the name people know it by (the VM's friendly name as ASR gives it).
        items: canonical ids of every protected item the run will drive (itself, or the members).
        names: ``{lowercase name: canonical id}`` of those items (to match runs of the old id format).
    """

    key: str
    label: str
    items: tuple[str, ...] = ()
    names: Mapping[str, str] = field(default_factory=dict)


def _item_names(facts: Mapping[str, Any], canonical: str) -> dict[str, str]:
    return {str(facts[k]).lower(): canonical for k in ("name", "friendlyName") if facts.get(k)}


def _resolve_item(vault: Vault, request: FailbackRequest) -> Resolved:
    facts = item_facts(find_rpi(vault, request.item.to_dict()))
    key = ids.item_id(
        request.vault.to_dict(), str(facts["fabric"]), str(facts["container"]), str(facts["name"])
    )
    return Resolved(key, str(facts["friendlyName"] or facts["name"]), (key,), _item_names(facts, key))


def _resolve_plan(vault: Vault, request: FailbackRequest) -> Resolved:
    name = str(request.extra.get("recoveryPlan") or request.item.label)
    with arm_errors(f"get recovery plan {name}", not_found="PLAN_NOT_FOUND"):
        plan = dict(vault.client.replication_recovery_plans.get(*vault.args, name).as_dict())
    members = tuple(
        str(m.get("id") or "").lower()
        for g in (plan.get("properties") or {}).get("groups") or []
        for m in g.get("replicationProtectedItems") or []
        if m.get("id")
    )
    return Resolved(ids.plan_id(request.vault.to_dict(), str(plan.get("name") or name)), name, members)


def _resolve_waves(vault: Vault, request: FailbackRequest) -> Resolved:
    with arm_errors(f"list items of vault {vault.name}", not_found="VAULT_NOT_FOUND"):
        listed = [dict(m.as_dict()) for m in vault.client.replication_protected_items.list(*vault.args)]
    vault_dict = request.vault.to_dict()
    names: dict[str, str] = {}
    for rpi in listed:
        facts = item_facts(rpi)
        canonical = ids.item_id(vault_dict, str(facts["fabric"]), str(facts["container"]), str(facts["name"]))
        names.update(_item_names(facts, canonical))
    wanted = [
        str(entry.get("name") or entry.get("friendlyName") or "").lower()
        for wave in request.extra.get("waves") or []
        for entry in wave.get("items") or []
    ]
    members = tuple(names[w] for w in wanted if w in names)  # the others fail their own pre-flight
    label = request.item.label
    return Resolved(
        ids.waves_id(vault_dict, label), label, members, {w: names[w] for w in wanted if w in names}
    )


def resolve(request: FailbackRequest, settings: Settings | None = None) -> Resolved:
    """Resolve the request's item, plan or waves to canonical ids (reads ASR; blocking).

    Raises:
        ResolveUnavailableError: ASR did not answer (5xx, throttled, unreachable).
    """
    vault_dict = request.vault.to_dict()
    try:
        vault = Vault(vault_dict, settings or get_settings())
        if request.kind == "recovery-plan":
            return _resolve_plan(vault, request)
        if request.kind == "waves":
            return _resolve_waves(vault, request)
        return _resolve_item(vault, request)
    except FailbackError as err:
        if err.code in UNAVAILABLE:
            raise ResolveUnavailableError(err.message) from err
        # not found, ambiguous, no rights: the run's pre-flight says so and changes nothing
        log.info("item %s not resolved (%s): keyed on its name", request.item.label, err.code)
        label = request.item.label
        return Resolved(ids.unresolved_id(vault_dict, label), label)
