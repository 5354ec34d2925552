"""The V3 pre-flight rules the API shows for a modernized (``InMageRcm``) VMware item. Pure.

The appliance's reprotect agent, its datastores, the disk count and the log storage account; then
the rules shared with classic items (``domain.vmware_rules``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from domain.i18n import N_, message
from domain.items import parse_time
from domain.site_health import HEARTBEAT_STALE_AFTER
from domain.vmware import MAX_MT_DISKS, pick
from domain.vmware_rules import check, common_rules, state_rule


def modernized_rules(
    facts: Mapping[str, Any],
    appliance: Mapping[str, Any],
    inputs: Mapping[str, Any],
    *,
    policy: Mapping[str, Any] | None,
    group: Sequence[Mapping[str, Any]],
    now: datetime,
    via_plan: bool,
) -> list[dict[str, Any]]:
    """V3 rules the API shows for a modernized (``InMageRcm``) item. Pure."""
    checks = [state_rule(facts)]
    agents = list(appliance.get("reprotectAgents") or [])
    agent = pick(agents, inputs.get("reprotectAgentId"))
    beat = parse_time((agent or {}).get("lastHeartbeatUtc"))
    live = agent is not None and agent.get("health") in (None, "Normal")
    live = live and (beat is None or now - beat <= HEARTBEAT_STALE_AFTER)
    checks.append(
        check(
            "V3-appliance",
            message(N_("The appliance's reprotect agent is healthy and connected")),
            live,
            message(
                N_("reprotectAgent=%(agent)s: health=%(health)s, lastHeartbeat=%(beat)s"),
                agent=inputs.get("reprotectAgentId"),
                health=agent.get("health"),
                beat=agent.get("lastHeartbeatUtc"),
            )
            if agent
            else message(N_("reprotectAgent=%(agent)s: not found"), agent=inputs.get("reprotectAgentId")),
            message(N_("Start the replication appliance and check its reprotect agent.")),
        )
    )
    accessible = list((agent or {}).get("accessibleDatastores") or [])
    checks.append(
        check(
            "V3-datastore",
            message(N_("The target datastore is one the appliance can access")),
            bool(inputs.get("datastoreName")) and inputs.get("datastoreName") in accessible,
            message(
                N_("datastore=%(datastore)s, accessible=%(accessible)s"),
                datastore=inputs.get("datastoreName"),
                accessible=str(accessible),
            ),
            message(N_("Name a datastore the appliance's reprotect agent can access (vmware.datastore).")),
        )
    )
    checks.append(
        check(
            "V3-disks",
            message(N_("At most %(max)s disks per appliance (this VM's own count)"), max=MAX_MT_DISKS),
            int(facts.get("diskCount") or 0) <= MAX_MT_DISKS,
            message(N_("VM disks=%(disks)s"), disks=facts.get("diskCount")),
            message(N_("Use another appliance.")),
        )
    )
    checks.append(
        check(
            "V1-log-storage",
            message(N_("A log (cache) storage account for the re-protect is named")),
            bool(inputs.get("logStorageAccountId")),
            message(N_("logStorageAccountId=%(account)s"), account=inputs.get("logStorageAccountId")),
            message(N_("Name the cache storage account in vmware.logStorageAccountId.")),
        )
    )
    return checks + common_rules(facts, policy, group, via_plan=via_plan, now=now)
