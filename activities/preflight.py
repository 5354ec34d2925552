"""Activity ``preflight``: the pre-flight checks of a failback; reads only, changes nothing.

Input ``{vault, request, now?}`` (``request`` is ``FailbackRequest.to_dict()``, ``now`` the
orchestration's time). Output ``{passed, checks, facts, item, fabric, recommendation, checklist}``:
``recommendation`` is ``domain.sync_policy.resolve_data_sync`` — ``dataSyncOption`` is the
option to use (the request's when explicit, the recommendation for ``auto``, the job's when a
failback is already under way and will be adopted) with its reason. When the item's failback
is under way, ``facts.currentScenario`` carries the job's ``dataSyncOption`` as well.
A missing or ambiguous item raises ``[ITEM_NOT_FOUND]`` / ``[AMBIGUOUS_ITEM]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import azure.durable_functions as df

from activities.asr_common import Vault, arm_errors, log_event, newest_time, now_of, read_job_dict
from activities.items import find_rpi, on_prem_vm_present, recovery_plan_of
from clients.settings import Settings
from domain.approval_summary import hyperv_checklist
from domain.asr_scenario import adopted_data_sync, failback_under_way
from domain.contracts import CurrentScenario, ItemFacts, PreflightInput, PreflightResult, Recommendation
from domain.items import fabric_facts, item_facts, item_ref
from domain.preflight import failure_summary, run_preflight
from domain.request import FailbackRequest
from domain.runs import estimate_downtime
from domain.sync_policy import resolve_data_sync
from domain.window_fit import window_fit

bp = df.Blueprint()


def read_site(vault: Vault, fabric_name: str) -> dict[str, Any]:
    """The item's site: fabric type, encryption and its providers (Hyper-V hosts / VMM server)."""
    with arm_errors(f"get fabric {fabric_name}"):
        fabric = vault.client.replication_fabrics.get(*vault.args, fabric_name).as_dict()
    with arm_errors(f"list providers of fabric {fabric_name}"):
        providers = [
            p.as_dict()
            for p in vault.client.replication_recovery_services_providers.list_by_replication_fabrics(
                *vault.args, fabric_name
            )
        ]
    return fabric_facts(fabric, providers)


def check(payload: PreflightInput, settings: Settings | None = None) -> PreflightResult:
    """Run every pre-flight rule against the live item (the activity body).

    Args:
        payload: ``{vault, request, now?}``.
        settings: app settings.
    """
    request = FailbackRequest.from_dict(payload["request"])
    vault = Vault(payload.get("vault") or request.vault.to_dict(), settings)
    rpi = find_rpi(vault, request.item.to_dict())
    facts = item_facts(
        rpi, on_prem_vm_present=on_prem_vm_present(vault, rpi), recovery_plan=recovery_plan_of(vault, rpi)
    )
    adopting = failback_under_way(facts, request)
    if adopting is not None:
        # The run adopts this job: its data-sync option (not the request's) decides the phases.
        option = adopted_data_sync(read_job_dict(vault, str(adopting["jobId"])))
        facts["currentScenario"] = cast(CurrentScenario, {**adopting, "dataSyncOption": option})
    site = read_site(vault, str(facts["fabric"]))
    answer = preflight_answer(payload, settings, request, facts, site, event="preflight")
    # what the switchover approver attests (no API shows it; H9's host items for an alternate location)
    answer["checklist"] = hyperv_checklist(request.location)
    return answer


def preflight_answer(
    payload: Mapping[str, Any],
    settings: Settings | None,
    request: FailbackRequest,
    facts: ItemFacts,
    site: dict[str, Any],
    *,
    event: str,
) -> PreflightResult:
    """Run the Hyper-V rules on facts already read; log ``event`` and return the activity's answer.

    Args:
        payload: the activity's input (``now?`` and the run's ids for the log).
        settings: app settings.
        request: the failback request.
        facts: the item's facts (``domain.items.item_facts``).
        site: the item's site (``read_site``).
        event: the log event's name (the activity's).

    Returns:
        ``{passed, checks, facts, item, fabric, recommendation}``.
    """
    now = now_of(payload, settings, newest_time(p.get("lastHeartBeat") for p in site["providers"]))
    result = run_preflight(facts, site, request, now)
    recommendation = resolve_data_sync(request.data_sync, facts, request.location, now)
    window = request.maintenance_window
    if window is not None and not result.get("adopted"):  # past the switchover, no window applies
        # Issue 13, part 7: the estimate needs the disks and the data-sync option, known only here.
        start, end = window.bounds()
        option = str(recommendation["dataSyncOption"])
        estimate = estimate_downtime(float(facts.get("diskSizeGB") or 0), option)
        fit = window_fit(start, end, estimate, option, now, dry_run=request.dry_run)
        result["checks"].append(fit)
        result["passed"] = bool(result["passed"] and fit["passed"])
    log_event(
        payload,
        event,
        item=facts["name"],
        passed=result["passed"],
        failed=failure_summary(result["checks"]),
    )
    return {
        "passed": result["passed"],
        "checks": result["checks"],
        "facts": facts,
        "item": item_ref(facts),
        "fabric": site,
        "recommendation": cast(Recommendation, recommendation),
        "adopted": result.get("adopted"),  # the stage past the switchover the run adopts (issue 12)
    }


@bp.activity_trigger(input_name="payload")
def preflight(payload: dict) -> dict:
    """Pre-flight checks H2a–H2e, H4, idle item, active in Azure (docs/contracts.md §5)."""
    return dict(check(cast(PreflightInput, payload)))
