"""Daily purge of finished runs' Durable history (issue 17: run history is not kept forever).

A timer trigger deletes the task-hub history of orchestrations that completed, failed or were
terminated and were created more than ``FAILBACK_HISTORY_RETENTION_DAYS`` days ago (default 90;
0 turns the purge off). Running and pending instances are never touched, whatever their age: a
run waiting at a gate or on a stranded ASR job keeps its history. The run's report and audit
trail reach people through notifications and Application Insights when the run ends, so the
task hub only has to keep what a status query of a recent run needs.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import azure.durable_functions as df
import azure.functions as func

from clients.settings import get_settings

bp = df.Blueprint()
log = logging.getLogger(__name__)

#: NCRONTAB (seconds first): every day at 03:17 UTC, away from the top of the hour.
PURGE_SCHEDULE = "0 17 3 * * *"
#: Only finished instances are purged.
PURGED_STATUSES = [
    df.OrchestrationRuntimeStatus.Completed,
    df.OrchestrationRuntimeStatus.Failed,
    df.OrchestrationRuntimeStatus.Terminated,
]
#: Lower bound of the creation-time filter (the purge API requires one).
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


async def purge_finished_runs(
    client: df.DurableOrchestrationClient, retention_days: int, now: datetime
) -> int:
    """Purge the history of finished instances created before ``now - retention_days``.

    Args:
        client: the Durable client of the task hub.
        retention_days: days to keep; 0 or less purges nothing.
        now: the current time (timezone-aware).

    Returns:
        The number of instances whose history was deleted.
    """
    if retention_days <= 0:
        return 0
    cutoff = now - timedelta(days=retention_days)
    result = await client.purge_instance_history_by(
        created_time_from=EPOCH, created_time_to=cutoff, runtime_status=PURGED_STATUSES
    )
    deleted = int(result.instances_deleted)
    log.info("history purge: %d finished instances created before %s", deleted, cutoff.isoformat())
    return deleted


@bp.timer_trigger(schedule=PURGE_SCHEDULE, arg_name="timer", run_on_startup=False)
@bp.durable_client_input(client_name="client")
async def purge_history(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    """Apply the retention policy once a day."""
    await purge_finished_runs(client, get_settings().history_retention_days, datetime.now(UTC))
