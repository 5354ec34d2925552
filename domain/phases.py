"""The phases of a failback run (W1) and their order for each data-sync option.

With ``before-failover`` (H3a) sync phase 1 runs while the Azure VM keeps running and
the ASR job then waits: that wait is the approval gate. With ``during-failover`` the
planned failover shuts the Azure VM down at once, so the approval gate comes *before*
the failover is started.
"""

from __future__ import annotations

PREFLIGHT = "preflight"
SYNC = "sync"  # sync phase 1 (before-failover only): snapshot copied, Azure VM still running
APPROVAL = "approval"
WINDOW = "window"  # waiting for the maintenance window
SWITCHOVER = "switchover"  # Azure VM shut down, (final delta or full) transfer, on-prem VM started
VERIFY = "verify"
COMMIT = "commit"
REPROTECT = "reprotect"  # reverse replication, on-prem -> Azure
REPORT = "report"

DESCRIPTIONS: dict[str, str] = {
    PREFLIGHT: "Check preconditions H2a-H2e, H4, idle item, item active in Azure; change nothing",
    SYNC: "Planned failover RecoveryToPrimary (ForDownTime), phase 1: copy the Azure VM's data while it runs",
    APPROVAL: "Wait for the approval decision (ApprovalDecision event, bounded by a durable timer)",
    WINDOW: "Wait for the maintenance window to open",
    SWITCHOVER: "Shut down the Azure VM, transfer the remaining data, start the on-premises VM",
    VERIFY: "Check the on-premises VM with Azure Monitor Logs (heartbeat and KQL checks)",
    COMMIT: "Commit the failover (deletes the Azure VM and its disks)",
    REPROTECT: "Reverse replication (PrimaryToRecovery) until the item is protected again within the RPO SLA",
    REPORT: "Build the report and post it to the callback URL",
}


def phase_order(data_sync: str, *, maintenance_window: bool, reverse_replication: bool) -> list[str]:
    """Return the phases a run goes through, in order.

    Args:
        data_sync: the resolved option, ``before-failover`` or ``during-failover``.
        maintenance_window: whether the request has a maintenance window.
        reverse_replication: whether the request asks for reverse replication.
    """
    phases = [PREFLIGHT]
    if data_sync == "before-failover":
        phases.append(SYNC)
    phases.append(APPROVAL)
    if maintenance_window:
        phases.append(WINDOW)
    phases += [SWITCHOVER, VERIFY, COMMIT]
    if reverse_replication:
        phases.append(REPROTECT)
    phases.append(REPORT)
    return phases
