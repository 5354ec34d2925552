"""Reference time without the orchestrator's `now`, and ARM 429/5xx handling (issue 4 §3 safety)."""

import time

import pytest

from activities.items import resolve
from activities.jobs import read
from activities.operations import start
from activities.preflight import check
from domain.errors import FailbackError
from domain.request import parse_failback_request

WEB01 = {"fabric": "site-hq", "container": "hq-container", "name": "rpi-web01"}


def _request(env):
    return parse_failback_request(
        {
            "vault": env.vault,
            "item": {"friendlyName": "web01"},
            "approval": {"approvers": ["ops@contoso.com"]},
            "verification": {"workspaceId": "11111111-2222-3333-4444-555555555555", "computer": "web01"},
        }
    ).to_dict()


def test_local_mode_without_now_uses_the_simulators_clock_not_the_wall_clock(env):
    # the simulator's clock is months away from the wall clock; heartbeats must still look fresh
    result = check({"vault": env.vault, "request": _request(env)}, env.settings)
    assert result["passed"] is True, [c for c in result["checks"] if not c["passed"]]
    assert result["recommendation"]["dataSyncOption"] == "before-failover"
    assert "2 days" in result["recommendation"]["reason"]


def test_job_eta_without_now_stays_sensible(env):
    job_id = start(
        env.payload(item=WEB01, dataSyncOption="before-failover", location="original"), env.settings
    )["jobId"]
    env.advance(30)
    snap = read({"vault": env.vault, "jobId": job_id}, env.settings)
    assert snap["state"] == "InProgress"
    assert snap["etaSeconds"] is None or 0 <= snap["etaSeconds"] < 86400


def test_429_with_retry_after_is_retried_by_the_client(env):
    env.sim.control.fault(
        kind="throttle", method="GET", path="replicationProtectedItems", count=2, retry_after=1
    )
    began = time.monotonic()
    result = resolve(env.payload(item={"friendlyName": "web01"}), env.settings)
    assert result["item"] == WEB01
    assert time.monotonic() - began >= 2  # honoured Retry-After: 1 twice
    assert env.sim.control.state()["faults"]["http"] == []  # both throttles were consumed


def test_a_long_retry_after_surfaces_as_arm_throttled_at_once(env):
    env.sim.control.fault(
        kind="throttle", method="GET", path="replicationProtectedItems", count=1, retry_after=120
    )
    began = time.monotonic()
    with pytest.raises(FailbackError) as info:
        resolve(env.payload(item={"friendlyName": "web01"}), env.settings)
    assert time.monotonic() - began < 10
    assert info.value.code == "ARM_THROTTLED"
    assert info.value.details["retryAfterSeconds"] == 120


def test_5xx_is_retried_and_a_post_refused_with_503_does_not_start_twice(env):
    env.sim.control.fault(kind="status", method="GET", path="replicationProtectedItems", status=503, count=1)
    assert resolve(env.payload(item={"name": "rpi-web01"}), env.settings)["item"] == WEB01
    env.sim.control.fault(kind="status", method="POST", path="plannedFailover", status=503, count=1)
    started = start(
        env.payload(item=WEB01, dataSyncOption="during-failover", location="original"), env.settings
    )
    assert started["jobId"]
    assert len(env.jobs()) == 1
