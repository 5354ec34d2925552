"""Pre-flight rules of a Hyper-V failback (H2a–H2e, H4, idle item, item active in Azure).

Each rule is a pure function over ``ItemFacts`` (``domain.items.item_facts``), the
site's facts (``domain.items.fabric_facts``) and the request, returning
``{id, rule, passed, evidence}`` (plus ``remedy`` when it fails). A failed pre-flight
ends the run as rejected and changes nothing in ASR.

Here: the rules about the item's ASR state (H2c, H2e, idle, active in Azure) and
:func:`run_preflight`, which runs every rule; the site and target rules (H2a, H2b, H2d, H4) are
``domain.preflight_site``; how a check is recorded is ``domain.check_record``; what ASR is doing
with the item now is ``domain.asr_scenario``; host and provider health is ``domain.site_health``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from domain.adoption import adoptable_stage
from domain.asr_scenario import driving_run, failback_under_way
from domain.check_record import Check, record_check
from domain.i18n import N_, message
from domain.preflight_site import (
    rule_encryption_certificate,
    rule_failback_type,
    rule_host_connected,
    rule_managed_disks,
)
from domain.request import FailbackRequest

Rule = Callable[[Mapping[str, Any], Mapping[str, Any], FailbackRequest, datetime], Check]


_ADOPTING = N_(
    "adopting job %(job)s: the failback (planned failover to on-premises) has been under way since %(since)s"
)


def _adopting(scenario: Mapping[str, Any], msgid: str = _ADOPTING) -> dict[str, Any]:
    return message(msgid, job=scenario.get("jobId"), since=scenario.get("startTime"))


def rule_failover_committed(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """H2c: the earlier failover to Azure was committed (``Failback`` is an allowed operation)."""
    allowed = list(facts.get("allowedOperations") or [])
    evidence: list[dict[str, Any]] = [
        message(
            N_("protectionState=%(state)s, allowedOperations=%(allowed)s"),
            state=facts.get("protectionState"),
            allowed=str(allowed),
        )
    ]
    adopting = failback_under_way(facts, req)
    if adopting is not None:  # ASR lists no operation while a job runs; the failback itself proves it
        evidence.append(_adopting(adopting, _ADOPTING_COMMITTED))
    return record_check(
        "H2c",
        message(N_("The failover to Azure was committed")),
        "Failback" in allowed or adopting is not None,
        evidence,
        message(N_("Commit the failover to Azure first (the item must allow 'Failback').")),
    )


_ADOPTING_COMMITTED = N_(
    "adopting job %(job)s: the failback (planned failover to on-premises) has been under way since "
    "%(since)s (a failback starts only after the commit)"
)


def rule_recovery_plan(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """H2e: a recovery-plan failback cannot go to an alternate location."""
    plan_run = req.kind == "recovery-plan"
    passed = not (plan_run and req.location == "alternate")
    evidence = message(
        N_("kind=%(kind)s, location=%(location)s, item's recovery plan=%(plan)s")
        if plan_run
        else N_("kind=%(kind)s, location=%(location)s, item's recovery plan=%(plan)s (item-level failback)"),
        kind=req.kind,
        location=req.location,
        plan=facts.get("recoveryPlan"),
    )
    return record_check(
        "H2e",
        message(N_("No alternate-location failback through a recovery plan")),
        passed,
        evidence,
        message(N_("Fail back each VM of the plan individually to use an alternate location.")),
    )


def rule_scenario_idle(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """No other ASR operation is running on the item (this same failback under way is adopted)."""
    scenario = facts.get("currentScenario")
    adopting = failback_under_way(facts, req)
    if adopting is not None:
        evidence = _adopting(adopting)
    elif not scenario:
        evidence = message(N_("no operation running"))
    else:
        args = {
            "name": scenario.get("scenarioName"),
            "job": scenario.get("jobId"),
            "since": scenario.get("startTime"),
        }
        run = driving_run(scenario, req)
        if run:
            evidence = message(
                N_("%(name)s job %(job)s since %(since)s, driven by run %(run)s (in progress)"),
                run=run,
                **args,
            )
        else:
            evidence = message(N_("%(name)s job %(job)s since %(since)s"), **args)
    return record_check(
        "IDLE",
        message(N_("No other operation is in progress on the item")),
        not scenario or adopting is not None,
        evidence,
        message(
            N_("Wait for the running ASR job to finish (or follow the failback run already driving it).")
        ),
    )


def rule_active_in_azure(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """The item is active in Azure (``activeLocation == Recovery``) and replicated by Hyper-V to Azure."""
    active = facts.get("activeLocation")
    provider = facts.get("provider")
    passed = active == "Recovery" and provider == "HyperVReplicaAzure"
    return record_check(
        "ACTIVE_IN_AZURE",
        message(N_("The item runs in Azure and is a Hyper-V to Azure item")),
        passed,
        message(N_("activeLocation=%(active)s, provider=%(provider)s"), active=active, provider=provider),
        message(N_("Only a Hyper-V VM that runs in Azure after a committed failover can fail back.")),
    )


RULES: tuple[Rule, ...] = (
    rule_active_in_azure,
    rule_scenario_idle,
    rule_managed_disks,
    rule_host_connected,
    rule_failover_committed,
    rule_failback_type,
    rule_recovery_plan,
    rule_encryption_certificate,
)


def run_preflight(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], request: FailbackRequest, now: datetime
) -> dict[str, Any]:
    """Evaluate every rule (never stopping at the first failure).

    Args:
        facts: the item's ``ItemFacts``.
        fabric: the item's site from ``domain.items.fabric_facts``.
        request: the validated request.
        now: the reference time (the orchestration's time, for heartbeat freshness).

    Returns:
        ``{passed, checks: [{id, rule, passed, evidence, remedy?}]}``.
    """
    scenario = facts.get("currentScenario") or {}
    ours = bool(scenario) and driving_run(scenario, request) is not None  # another run of ours drives it
    stage = adoptable_stage(facts) if request.kind == "hyperv" and not ours else None
    if stage is not None:  # ASR took this failback past the switchover already (issue 12, part 4)
        adopt = record_check(
            "ADOPTED",
            message(N_("Where ASR is, the run goes on (nothing is started twice)")),
            True,
            stage["explain"],  # adoption's own words: a catalog message (a plain text is kept as is)
        )
        checks = [adopt, rule_host_connected(facts, fabric, request, now)]
        return {"passed": all(c["passed"] for c in checks), "checks": checks, "adopted": stage}
    checks = [rule(facts, fabric, request, now) for rule in RULES]
    return {"passed": all(c["passed"] for c in checks), "checks": checks}


def failure_summary(checks: list[Mapping[str, Any]]) -> str:
    """One line naming every failed check with its evidence, for the PREFLIGHT_FAILED message."""
    failed = [f"{c['id']}: {c['rule']} ({c['evidence']})" for c in checks if not c.get("passed")]
    return "; ".join(failed) or "all checks passed"
