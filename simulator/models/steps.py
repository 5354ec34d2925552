"""Job steps several replication providers share: commit, cancel of a failback, state rollback.

Hyper-V and VMware items build their jobs from these where the service runs the same tasks;
where a provider's tasks differ (failback, re-protect) the provider model builds its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from simulator.models import invariants
from simulator.models.items import JobHook, Operation
from simulator.models.jobs import Task, TaskContext

if TYPE_CHECKING:
    from simulator.models.items import ProtectedItem
    from simulator.models.jobs import Job


def reverting_operation(
    item: ProtectedItem,
    scenario: str,
    friendly: str,
    tasks: list[Task],
    on_success: JobHook,
    on_revert: JobHook | None = None,
    running: tuple[str, str] | None = None,
) -> Operation:
    """An operation whose failure or cancel puts ``item`` back in the state it has now.

    Args:
        item: the item the operation runs on.
        scenario: the job's scenario name.
        friendly: the job's friendly name.
        tasks: the job's tasks.
        on_success: what the item becomes when the job succeeds.
        on_revert: more to undo after the state is restored (released disks, VMs back on).
        running: the item's state while the job runs.
    """
    previous = item.state

    def reverted(job: Job, at: datetime) -> None:
        item.state = previous
        if on_revert is not None:
            on_revert(job, at)

    return Operation(
        scenario,
        friendly,
        tasks,
        on_success=on_success,
        on_failure=reverted,
        on_cancel=reverted,
        running_state=running,
    )


def commit_operation(
    item: ProtectedItem,
    on_success: JobHook,
    *,
    after_failback: bool = True,
    release: Callable[[], None] | None = None,
) -> Operation:
    """Commit: prerequisites check, then commit; after a failback the Azure VM and its disks go (H7).

    Args:
        item: the item being committed.
        on_success: what the item becomes when the commit succeeds.
        after_failback: False for the commit of a failover to Azure (nothing is deleted).
        release: frees what the replication to on-premises held (master target / appliance disks).
    """
    return reverting_operation(
        item,
        "CommitFailover",
        "Commit",
        _commit_tasks(item, after_failback, release),
        on_success,
        running=("CommitInitiated", "Commit in progress"),
    )


def _commit_tasks(
    item: ProtectedItem, after_failback: bool, release: Callable[[], None] | None
) -> list[Task]:
    machine = item.machine
    rates = item.world.rates

    def commit(ctx: TaskContext) -> None:
        if after_failback:
            invariants.commit_failback(item.world, machine, item.failback_started, ctx.at)
            machine.delete_azure(ctx.at)
        if release is not None:
            release()

    return [
        Task("CommitPrerequisitesCheck", "Prerequisites check for commit", rates.preflight_s),
        Task("CommitFailover", "Commit", rates.commit_s, on_end=commit),
    ]


def cancel_failback_operation(item: ProtectedItem, cancel_friendly: str, on_success: JobHook) -> Operation:
    """Cancel of an uncommitted failback: on-prem VM off, ``cancel_friendly`` step, Azure VM back on.

    Args:
        item: the item whose failback is cancelled.
        cancel_friendly: what the portal calls the middle step (the providers name it differently).
        on_success: what the item becomes when the cancel succeeds.
    """
    return reverting_operation(
        item,
        "CancelFailover",
        "Cancel failover",
        _cancel_failback_tasks(item, cancel_friendly),
        on_success,
        running=("CancelFailoverInitiated", "Cancel failover in progress"),
    )


def _cancel_failback_tasks(item: ProtectedItem, cancel_friendly: str) -> list[Task]:
    machine = item.machine
    rates = item.world.rates

    def stop_onprem(ctx: TaskContext) -> None:
        machine.stop_onprem(ctx.at)

    def start_azure(ctx: TaskContext) -> None:
        invariants.start_azure(item.world, machine, ctx.at)

    return [
        Task(
            "ShutdownVmOnPrimary",
            "Shut down the virtual machine on-premises",
            rates.shutdown_s,
            on_end=stop_onprem,
        ),
        Task("CancelFailover", cancel_friendly, rates.failover_s),
        Task(
            "StartVmOnRecovery",
            "Start the virtual machine in Azure",
            rates.start_vm_s,
            on_end=start_azure,
        ),
    ]
