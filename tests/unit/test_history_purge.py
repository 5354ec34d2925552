"""The daily purge deletes only finished runs older than the retention (issue 17)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
import pytest
from azure.durable_functions.models.PurgeHistoryResult import PurgeHistoryResult

from clients.settings import Settings
from function_app.history_purge import purge_finished_runs

NOW = datetime(2025, 6, 30, 3, 17, tzinfo=UTC)


class FakeClient:
    """Records the purge filter it is given."""

    def __init__(self, deleted: int) -> None:
        self.calls: list[dict[str, Any]] = []
        self.deleted = deleted

    async def purge_instance_history_by(self, **kwargs: Any) -> PurgeHistoryResult:
        self.calls.append(kwargs)
        return PurgeHistoryResult(instancesDeleted=self.deleted)


def test_finished_runs_created_before_the_retention_are_purged_and_running_ones_never() -> None:
    client = FakeClient(deleted=4)
    assert asyncio.run(purge_finished_runs(client, 30, NOW)) == 4  # type: ignore[arg-type]
    (call,) = client.calls
    assert call["created_time_to"] == datetime(2025, 5, 31, 3, 17, tzinfo=UTC)
    assert call["created_time_from"] < call["created_time_to"]
    assert set(call["runtime_status"]) == {
        df.OrchestrationRuntimeStatus.Completed,
        df.OrchestrationRuntimeStatus.Failed,
        df.OrchestrationRuntimeStatus.Terminated,
    }


def test_retention_zero_turns_the_purge_off() -> None:
    client = FakeClient(deleted=9)
    assert asyncio.run(purge_finished_runs(client, 0, NOW)) == 0  # type: ignore[arg-type]
    assert client.calls == []


def test_retention_comes_from_the_app_setting_with_90_days_by_default() -> None:
    assert Settings.from_env({}).history_retention_days == 90
    assert Settings.from_env({"FAILBACK_HISTORY_RETENTION_DAYS": "14"}).history_retention_days == 14
    with pytest.raises(ValueError, match="FAILBACK_HISTORY_RETENTION_DAYS"):
        Settings.from_env({"FAILBACK_HISTORY_RETENTION_DAYS": "two weeks"})
