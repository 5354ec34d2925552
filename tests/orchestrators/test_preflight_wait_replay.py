"""Pre-flight waits for a retention drive that is still appearing (seed 002, issue 16), replayed.

Seed 002: a drive added to the master target takes up to 15 minutes to appear in the selection
list; refresh the configuration server if it does not. The run refreshes once, checks again on a
durable timer and goes on when the drive appears, or refuses with the remedy when it never does.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.vmware_checks import retention_wait
from tests.orchestrators.scenario import FakeAsr, request

INPUTS = {"retentionDrive": "R:", "masterTargetId": "mt-win-01"}
CS = {"fabric": "cs-fabric", "provider": "cs01"}


@dataclass
class LateDrive(FakeAsr):
    """The retention drive is listed from the ``appears_on``-th look on (never when 0)."""

    appears_on: int = 3
    looks: int = 0

    def activities(self) -> dict[str, Callable[[Any], Any]]:
        table = super().activities()
        table["refresh_configuration_server"] = lambda p: {"refreshed": True, **CS}
        return table

    def preflight(self, payload: Any) -> dict[str, Any]:
        self.looks += 1
        answer = super().preflight(payload)
        listed = self.appears_on and self.looks >= self.appears_on
        volumes = [{"volumeName": "R:", "capacityInBytes": 1}] if listed else []
        answer["checks"] = [
            *copy.deepcopy(answer["checks"]),
            {
                "id": "V3-retention",
                "rule": "The retention drive exists on the master target with a non-zero size",
                "passed": bool(listed),
                "evidence": f"retentionDrive=R:, volumes on the MT: {[v['volumeName'] for v in volumes]}",
            },
        ]
        answer["passed"] = bool(listed)
        wait = retention_wait(answer["checks"], INPUTS, volumes, CS)
        if wait:
            answer["waitFor"] = wait
        return answer


def test_a_late_retention_drive_is_waited_for_with_one_refresh_then_the_run_goes_on() -> None:
    asr = LateDrive(appears_on=3)
    host = asr.host(request()).run()
    report = host.output
    assert report["outcome"] == "succeeded", report.get("error")
    names = host.activity_names()
    assert names[:4] == ["preflight", "refresh_configuration_server", "preflight", "preflight"]
    assert names.count("refresh_configuration_server") == 1
    waits = [e for e in report["timeline"] if "up to 15 minutes to appear" in str(e.get("detail"))]
    assert len(waits) == 2  # two timers of 2 minutes
    assert report["preflight"]["passed"] is True


def test_a_retention_drive_that_never_appears_is_refused_with_the_remedy_after_the_wait() -> None:
    asr = LateDrive(appears_on=0)
    host = asr.host(request()).run()
    report = host.output
    assert report["outcome"] == "rejected"
    assert host.activity_names().count("refresh_configuration_server") == 1
    assert host.activity_names().count("preflight") >= 9  # first look, then every 2 min
    (check,) = [c for c in report["preflight"]["checks"] if c["id"] == "V3-retention"]
    assert "It did not appear" in check["remedy"] and "構成サーバーを更新" in check["remedy"]
    took = datetime.fromisoformat(report["finishedAt"]) - datetime.fromisoformat(report["startedAt"])
    assert timedelta(minutes=15) < took <= timedelta(minutes=21)  # past the 15 minutes, within the margin


def test_a_dry_run_does_not_wait() -> None:
    asr = LateDrive(appears_on=3)
    host = asr.host(request(dryRun=True)).run()
    assert host.output["outcome"] == "dry-run"
    assert host.activity_names() == ["preflight", "seal_report"]
