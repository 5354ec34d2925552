"""The VMware pre-flight rules classic and modernized items share (V2, V3 state and group, V4, V5). Pure.

``domain.vmware_classic_rules`` and ``domain.vmware_modernized_rules`` end their checks with
:func:`common_rules`; :func:`check` is the shape of every check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from domain.i18n import N_, message
from domain.items import parse_time
from domain.site_health import HEARTBEAT_STALE_AFTER
from domain.vmware_adoption import not_adoptable_remedy
from domain.vmware_state import ONPREM_PROVIDERS, reprotect_permission, runs_in_azure

#: A plain English string, a ``domain.i18n.message``, or messages shown joined by "; ".
Text = str | dict[str, Any] | list[dict[str, Any]]


def _english(text: Text) -> str:
    if isinstance(text, list):
        return "; ".join(str(m["text"]) for m in text)
    return str(text["text"]) if isinstance(text, dict) else text


def check(
    rule_id: str, rule: Text, passed: bool, evidence: Text, remedy: Text | None = None
) -> dict[str, Any]:
    """One check ``{id, rule, passed, evidence, remedy?, messages?}`` (a remedy only when it failed).

    Texts given as ``domain.i18n.message`` are recorded in English and kept in ``messages`` so pages
    show them in their reader's language; plain strings are recorded as they are.
    """
    texts: dict[str, Text] = {"rule": rule, "evidence": evidence}
    if not passed:
        texts["remedy"] = remedy or message(N_("Fix the condition, then start a new failback."))
    out: dict[str, Any] = {"id": rule_id, "passed": passed}
    out.update({k: _english(v) for k, v in texts.items()})
    messages = {k: v for k, v in texts.items() if not isinstance(v, str)}
    if messages:
        out["messages"] = messages
    return out


def state_rule(facts: Mapping[str, Any], operation: str = "SwitchProtection") -> dict[str, Any]:
    """V3: the VM failed over to Azure, was committed and runs no operation (or is re-protected already)."""
    allowed = list(facts.get("allowedOperations") or [])
    # Re-protected to on-prem by an earlier run (e.g. one not approved): that re-protect is adopted.
    reprotected = facts.get("provider") in ONPREM_PROVIDERS and facts.get("protectionState") == "Protected"
    return check(
        "V3-state",
        message(
            N_(
                "The VM failed over to Azure and was committed; it was not migrated or had protection "
                "disabled"
            )
        ),
        (reprotect_permission(facts) is not None or operation in allowed or reprotected)
        and runs_in_azure(facts)
        and not facts.get("currentScenario"),
        message(
            N_(
                "protectionState=%(state)s, activeLocation=%(active)s, provider=%(provider)s, "
                "allowedOperations=%(allowed)s, running=%(running)s"
            ),
            state=facts.get("protectionState"),
            active=facts.get("activeLocation"),
            provider=facts.get("provider"),
            allowed=str(allowed),
            running=str(facts.get("currentScenario")),
        ),
        # an item on-premises or running a job gets the remedy true for it, not "commit to Azure first"
        not_adoptable_remedy(facts)
        or message(
            N_(
                "Commit the failover to Azure first and wait for running jobs; migrated or unprotected VMs "
                "cannot fail back."
            )
        ),
    )


def common_rules(
    facts: Mapping[str, Any],
    policy: Mapping[str, Any] | None,
    group: Sequence[Mapping[str, Any]],
    *,
    via_plan: bool,
    now: datetime,
) -> list[dict[str, Any]]:
    """The rules classic and modernized share: V2 (failback policy), the group rules, the V4 note."""
    v2 = check(
        "V2",
        message(N_("The failback policy created with the forward policy exists")),
        policy is not None,
        message(N_("failback policy=%(policy)s"), policy=(policy or {}).get("name")),
        message(N_("Re-create the replication policy; its failback policy is created with it.")),
    )
    return [v2, *group_rules(facts, group, via_plan=via_plan), agent_note(facts, now)]


def group_rules(
    facts: Mapping[str, Any], group: Sequence[Mapping[str, Any]], *, via_plan: bool
) -> list[dict[str, Any]]:
    """V3/V5: a replication group shares the OS and master target; it fails back only through its plan."""
    name = facts.get("replicationGroup")
    if not name:
        return [
            check(
                "V5",
                message(N_("Replication group handled through its recovery plan")),
                True,
                message(N_("not in a group")),
            )
        ]
    os_types = sorted({str(m.get("osType")) for m in group})
    mts = sorted({str(m.get("masterTargetId")) for m in group if m.get("masterTargetId")})
    out = [
        check(
            "V3-group-os",
            message(N_("All VMs of a replication group share the OS type (and the same master target)")),
            len(os_types) == 1 and len(mts) <= 1,
            message(
                N_("group %(group)s: OS types %(os)s, master targets %(mts)s")
                if mts
                else N_("group %(group)s: OS types %(os)s, master targets none yet"),
                group=name,
                os=str(os_types),
                mts=str(mts),
            ),
            message(
                N_("Split the replication group by OS, or fail the VMs back with the same master target.")
            ),
        ),
        check(
            "V5",
            message(N_("A replication group fails back only through its recovery plan")),
            via_plan and bool(facts.get("recoveryPlan")),
            message(
                N_("group %(group)s, recovery plan %(plan)s, via plan=%(via)s"),
                group=name,
                plan=facts.get("recoveryPlan"),
                via=via_plan,
            ),
            message(
                N_("Fail back with kind 'recovery-plan' and recoveryPlan '%(plan)s'."),
                plan=facts.get("recoveryPlan"),
            ),
        ),
    ]
    return out


def agent_note(facts: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """V4, informational: whether the mobility agent has registered; the run waits when not."""
    beat = parse_time(facts.get("agentLastHeartbeat"))
    registered = facts.get("agentRegistered")
    fresh = beat is not None and now - beat <= HEARTBEAT_STALE_AFTER
    if registered is True or fresh:
        evidence = N_(
            "agent registered (lastHeartbeat=%(beat)s); re-protect is retried on 'agent not installed' for "
            "up to 15 minutes plus a margin"
        )
    else:
        evidence = N_(
            "agent not registered yet (lastHeartbeat=%(beat)s); re-protect is retried on 'agent not "
            "installed' for up to 15 minutes plus a margin"
        )
    return check(
        "V4",
        message(
            N_("Mobility agent registration (up to 15 minutes after the Azure VM starts; the run waits)")
        ),
        True,
        message(evidence, beat=facts.get("agentLastHeartbeat")),
    )
