"""Pre-flight rules of a Hyper-V failback (H2a–H2e, H4, idle item, item active in Azure).

Each rule is a pure function over ``ItemFacts`` (``domain.items.item_facts``), the
site's facts (``domain.items.fabric_facts``) and the request, returning
``{id, rule, passed, evidence}`` (plus ``remedy`` when it fails). A failed pre-flight
ends the run as rejected and changes nothing in ASR.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from domain.adoption import adoptable_stage
from domain.i18n import N_, message
from domain.items import current_scenario, parse_time
from domain.jobs import is_sync_task
from domain.request import FailbackRequest

#: A provider whose last heartbeat is older than this is treated as not connected (H2b).
HEARTBEAT_STALE_AFTER = timedelta(minutes=30)
_ENCRYPTION_OFF = ("", "none", "disabled", "notconfigured")

Check = dict[str, Any]
Rule = Callable[[Mapping[str, Any], Mapping[str, Any], FailbackRequest, datetime], Check]
#: A recorded text (``domain.i18n.message``), or several shown joined by "; " (an evidence list).
Text = dict[str, Any] | list[dict[str, Any]]
_DEFAULT_REMEDY = N_("Fix the condition, then start a new failback.")


def _text(msg: Text | str) -> str:
    """The English text of a message or of a list of messages."""
    if isinstance(msg, str):
        return msg
    return "; ".join(m["text"] for m in msg) if isinstance(msg, list) else str(msg["text"])


def _check(rule_id: str, rule: Text, passed: bool, evidence: Text | str, remedy: Text | None = None) -> Check:
    """A check with its English texts (read by the API and tests) and their ``messages`` (pages)."""
    messages: dict[str, Text] = {"rule": rule}
    if not isinstance(evidence, str):
        messages["evidence"] = evidence
    out: Check = {"id": rule_id, "rule": _text(rule), "passed": passed, "evidence": _text(evidence)}
    if not passed:
        messages["remedy"] = remedy or message(_DEFAULT_REMEDY)
        out["remedy"] = _text(messages["remedy"])
    out["messages"] = messages
    return out


def provider_is_live(provider: Mapping[str, Any], now: datetime) -> tuple[bool, str]:
    """Whether a Hyper-V host / VMM provider is connected with a recent heartbeat, and why."""
    live, msg = _provider_state(provider, now)
    return live, str(msg["text"])


def _provider_state(provider: Mapping[str, Any], now: datetime) -> tuple[bool, dict[str, Any]]:
    status = provider.get("connectionStatus")
    beat = parse_time(provider.get("lastHeartBeat"))
    args = {
        "label": provider.get("friendlyName") or provider.get("name"),
        "status": status,
        "beat": provider.get("lastHeartBeat"),
    }
    text = N_("%(label)s: connectionStatus=%(status)s, lastHeartBeat=%(beat)s")
    if status != "Connected":
        return False, message(text, **args)
    if beat is not None and now - beat > HEARTBEAT_STALE_AFTER:
        stale = N_(
            "%(label)s: connectionStatus=%(status)s, lastHeartBeat=%(beat)s (older than %(minutes)s min)"
        )
        return False, message(stale, minutes=int(HEARTBEAT_STALE_AFTER.total_seconds() // 60), **args)
    return True, message(text, **args)


def find_host(fabric: Mapping[str, Any], host: str) -> Mapping[str, Any] | None:
    """Find the provider entry of a Hyper-V host by friendly name, short name or ARM name."""
    wanted = host.strip().lower()
    for provider in fabric.get("providers") or []:
        friendly = str(provider.get("friendlyName") or "").lower()
        names = {friendly, friendly.split(".")[0], str(provider.get("name") or "").lower()} - {""}
        if wanted in names or wanted.split(".")[0] in names:
            return provider
    return None


#: ASR's scenario name of a planned failover; on an item active in Azure it runs RecoveryToPrimary.
FAILBACK_SCENARIO = "PlannedFailover"
#: Task names only a ``ForDownTime`` (before-failover) failback job has.
_BEFORE_FAILOVER_TASKS = ("SynchronizeDataBeforeFailover", "CompleteFailover")


def failback_under_way(facts: Mapping[str, Any], req: FailbackRequest) -> Mapping[str, Any] | None:
    """The item's running scenario when it is this same failback (to adopt), else ``None``.

    A planned failover running on a Hyper-V item that is active in Azure can only be the
    failback (``RecoveryToPrimary``): started from the portal, by a script or by an earlier
    run that died. ``start_failback`` adopts its job instead of starting a second one
    (issue 4: idempotent). Only item-level Hyper-V runs adopt (a plan has its own job), and
    never a job another run in progress drives (the request's ``liveRunJobs``
    ``{jobId: runId}``, set by the HTTP layer: a second run naming the item differently).
    """
    scenario = facts.get("currentScenario")
    if not scenario or req.kind != "hyperv" or driving_run(scenario, req):
        return None
    same = (
        str(scenario.get("scenarioName")) == FAILBACK_SCENARIO
        and facts.get("activeLocation") == "Recovery"
        and facts.get("provider") == "HyperVReplicaAzure"
    )
    return scenario if same else None


def driving_run(scenario: Mapping[str, Any], req: FailbackRequest) -> str | None:
    """The run in progress that drives the scenario's job, if the HTTP layer saw one."""
    live = req.extra.get("liveRunJobs") or {}
    return str(live[scenario.get("jobId")]) if scenario.get("jobId") in live else None


def adopted_data_sync(job: Mapping[str, Any]) -> str | None:
    """The data-sync option of a failback job under way, from its tasks (``None``: cannot tell).

    Args:
        job: the job in wire shape (``{name, properties: {state, tasks: [{name, ...}]}}``).
    """
    props = job.get("properties") or {}
    tasks = list(props.get("tasks") or [])
    names = {str(t.get("name")) for t in tasks}
    # G5: the task names are not recorded; a manual-action task (the "complete failover" wait)
    # or a Suspended job marks before-failover whatever the names, and a data-sync task without
    # one marks during-failover.
    manual = any(t.get("taskType") == "ManualActionTaskDetails" for t in tasks)
    if names & set(_BEFORE_FAILOVER_TASKS) or manual or props.get("state") == "Suspended":
        return "before-failover"
    if "SynchronizeData" in names or any(is_sync_task(t) for t in tasks):
        return "during-failover"
    return None


_ADOPTING = N_(
    "adopting job %(job)s: the failback (planned failover to on-premises) has been under way since %(since)s"
)


def _adopting(scenario: Mapping[str, Any], msgid: str = _ADOPTING) -> dict[str, Any]:
    return message(msgid, job=scenario.get("jobId"), since=scenario.get("startTime"))


def rule_managed_disks(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """H2a: the failed-over Azure VM uses managed disks (storage-account disks are retired)."""
    value = facts.get("useManagedDisks")
    return _check(
        "H2a",
        message(N_("The Azure VM uses managed disks")),
        value is True,
        message(N_("useManagedDisks=%(value)s on item %(item)s"), value=value, item=facts.get("name")),
        message(
            N_(
                "Failback is supported only for VMs that failed over with managed disks; move the VM to "
                "managed disks or fail back by hand."
            )
        ),
    )


def rule_host_connected(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """H2b: the on-prem Hyper-V host (or VMM server) is running and connected to Azure."""
    providers = list(fabric.get("providers") or [])
    own = [
        p
        for p in providers
        if facts.get("providerId") and str(p.get("id") or "").lower() == str(facts["providerId"]).lower()
    ]
    candidates = own or providers
    results = [_provider_state(p, now) for p in candidates]
    passed = any(ok for ok, _ in results)
    evidence: Text = [msg for _, msg in results] or message(
        N_("no provider registered in fabric %(fabric)s"), fabric=fabric.get("name")
    )
    return _check(
        "H2b",
        message(N_("The on-premises Hyper-V host or VMM server is running and connected to Azure")),
        passed,
        evidence,
        message(
            N_(
                "Start the Hyper-V host / VMM server and its Site Recovery provider; check its connection "
                "to Azure."
            )
        ),
    )


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
    return _check(
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


def _alternate_evidence(fabric: Mapping[str, Any], req: FailbackRequest, now: datetime) -> tuple[bool, Text]:
    if fabric.get("fabricType") != "HyperVSite":
        return False, message(
            N_("fabric %(fabric)s is %(type)s, alternate location needs HyperVSite"),
            fabric=fabric.get("name"),
            type=fabric.get("fabricType"),
        )
    host = find_host(fabric, req.target_host or "")
    if host is None:
        known = [p.get("friendlyName") for p in fabric.get("providers") or []]
        return False, message(
            N_("targetHost %(host)s is not a registered host (known: %(known)s)"),
            host=repr(req.target_host),
            known=str(known),
        )
    live, state = _provider_state(host, now)
    if not req.create_vm_if_not_found:
        return False, [
            state,
            message(N_("createVmIfNotFound=false, the VM cannot be created on the new host")),
        ]
    return live, message(N_("targetHost %(state)s"), state=state["text"])


def rule_failback_type(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """H2d: the chosen failback type (original or alternate location) is available."""
    evidence: Text
    if req.location == "alternate":
        passed, evidence = _alternate_evidence(fabric, req, now)
    else:
        present = facts.get("onPremVmPresent")
        passed = present is not False or req.create_vm_if_not_found
        evidence = message(
            N_("original location; onPremVmPresent=%(present)s, createVmIfNotFound=%(create)s"),
            present=present,
            create=req.create_vm_if_not_found,
        )
    return _check(
        "H2d",
        message(N_("Failback to the %(location)s location is available"), location=req.location),
        passed,
        evidence,
        message(
            N_(
                "For the original location the on-prem VM must exist (or set createVmIfNotFound); for an "
                "alternate location name a connected host of a HyperVSite fabric and allow creating the VM "
                "(H9)."
            )
        ),
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
    return _check(
        "H2e",
        message(N_("No alternate-location failback through a recovery plan")),
        passed,
        evidence,
        message(N_("Fail back each VM of the plan individually to use an alternate location.")),
    )


def rule_encryption_certificate(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """H4: with VMM cloud data encryption, the request names the provider's certificate."""
    enc = fabric.get("encryption") or {}
    state = str(enc.get("kekState") or "")
    expected = str(enc.get("kekCertThumbprint") or "")
    given = req.encryption_certificate.thumbprint if req.encryption_certificate else ""
    enabled = state.lower() not in _ENCRYPTION_OFF or bool(expected)
    if not enabled:
        passed, evidence = (
            True,
            message(
                N_("data encryption not enabled on fabric %(fabric)s (kekState=%(state)s)"),
                fabric=fabric.get("name"),
                state=state or None,
            ),
        )
    else:
        passed = bool(given) and given.upper() == expected.upper()
        evidence = message(
            N_("kekState=%(state)s, fabric certificate=%(expected)s, request names %(given)s"),
            state=state,
            expected=expected or None,
            given=given or None,
        )
    return _check(
        "H4",
        message(N_("The encryption certificate is named when cloud data encryption is on")),
        passed,
        evidence,
        message(
            N_(
                "Name the certificate issued when the provider was installed on the VMM server "
                "(its thumbprint)."
            )
        ),
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
    return _check(
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
    return _check(
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
        adopt = _check(
            "ADOPTED",
            message(N_("Where ASR is, the run goes on (nothing is started twice)")),
            True,
            stage["explain"],  # adoption's own words, recorded in English only
        )
        checks = [adopt, rule_host_connected(facts, fabric, request, now)]
        return {"passed": all(c["passed"] for c in checks), "checks": checks, "adopted": stage}
    checks = [rule(facts, fabric, request, now) for rule in RULES]
    return {"passed": all(c["passed"] for c in checks), "checks": checks}


def failure_summary(checks: list[Mapping[str, Any]]) -> str:
    """One line naming every failed check with its evidence, for the PREFLIGHT_FAILED message."""
    failed = [f"{c['id']}: {c['rule']} ({c['evidence']})" for c in checks if not c.get("passed")]
    return "; ".join(failed) or "all checks passed"


#: ``currentScenarioStatus`` values of a recovery plan whose last operation has ended (R24).
PLAN_SCENARIO_ENDED = ("Succeeded", "Failed", "Cancelled", "Canceled", "Completed")


def plan_running(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """The plan's operation under way, ``None`` when the plan is idle.

    R24/R25: a plan keeps its last ``currentScenario`` (``{scenarioName, jobId, startTime}``) after
    its job ends, with ``currentScenarioStatus`` ``Succeeded`` / ``Failed`` / ``Cancelled``: a set
    scenario alone does not make a plan busy; only a status that is not one of those does.
    """
    scenario = current_scenario(props)
    if scenario is None:
        return None
    status = str(props.get("currentScenarioStatus") or "")
    if status in PLAN_SCENARIO_ENDED:
        return None
    return {**scenario, "status": status}


def plan_scenario_is_new(scenario: Mapping[str, Any], baseline: Mapping[str, Any] | None) -> bool:
    """Whether the plan's ``scenario`` started after ``baseline`` (the scenario pre-flight saw).

    A run adopts only an operation it started itself, never the last finished one (R24).
    Without a baseline nothing finished is the run's own.
    """
    if not baseline:
        return False
    if baseline.get("jobId") and str(baseline["jobId"]).lower() == str(scenario.get("jobId") or "").lower():
        return False
    started, before = parse_time(scenario.get("startTime")), parse_time(baseline.get("startTime"))
    return started is None or before is None or started > before
