"""The operator CLI against the real app on DevHost + simulator: start, approve through
the page, watch to the end, list (W3, W4)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from typer.testing import CliRunner

from cli.app import app
from tests.approvals.conftest import ROOT, app_env

VAULT = [
    "--subscription",
    "00000000-0000-0000-0000-000000000001",
    "--resource-group",
    "rg-dr",
    "--vault",
    "vault-dr",
]
VERIFY = ["--workspace", "11111111-2222-3333-4444-555555555555", "--computer", "web01"]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    from clients.settings import get_settings
    from devhost.clock import VirtualClock
    from devhost.testing import DevHost
    from simulator.testing import SimulatorServer

    clock = VirtualClock(start=datetime.now(UTC).replace(microsecond=0))
    get_settings.cache_clear()
    with SimulatorServer(scenario="default", clock=clock, state_dir=tmp_path / "sim") as sim:
        env = {**sim.app_settings(), **app_env(tmp_path)}
        with DevHost(app_dir=ROOT, clock=clock, env=env, state_dir=tmp_path / "state") as host:
            get_settings.cache_clear()
            yield host, sim
    get_settings.cache_clear()


def cli(host: Any, *args: str) -> Any:
    env = {"FAILBACK_BASE_URL": host.base_url, "FAILBACK_FUNCTION_KEY": host.function_key, "COLUMNS": "200"}
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def outbox_links(host: Any, run_id: str) -> dict[str, str]:
    r = requests.get(
        f"{host.base_url}/api/outbox", params={"runId": run_id, "code": host.function_key}, timeout=10
    )
    msgs = [m for m in r.json()["messages"] if m["kind"] == "approval-request"]
    return {x["approver"]: x["url"] for x in msgs[-1]["links"]} if msgs else {}


def test_operator_starts_approves_and_watches_a_failback_W3_W4(stack: tuple[Any, Any]) -> None:
    host, _sim = stack
    started = cli(host, "start", *VAULT, "--vm", "web01", "--approver", "lead@contoso.com", *VERIFY)
    assert started.exit_code == 0, started.output
    run_id = started.output.split("started", 1)[1].split()[0]
    assert run_id.startswith("fb-vault-dr-")

    again = cli(host, "start", *VAULT, "--vm", "web01", "--approver", "lead@contoso.com", *VERIFY)
    assert "joined the run in progress" in again.output and run_id in again.output  # one run per item

    host.drive(until=lambda: bool(outbox_links(host, run_id)), max_virtual=timedelta(days=2), timeout=60)
    link = outbox_links(host, run_id)["lead@contoso.com"]
    # Links carry the public base URL; the CLI takes the token and uses its --base-url.
    approved = cli(host, "approve", link.rsplit("/", 1)[1], "--yes", "--comment", "window agreed")
    assert approved.exit_code == 0, approved.output
    assert "approval was" in approved.output

    watched: dict[str, Any] = {}

    def watch() -> None:
        watched["result"] = cli(host, "status", run_id, "--watch", "--interval", "0.05")

    thread = threading.Thread(target=watch)
    thread.start()

    def finished() -> bool:
        body = requests.get(
            f"{host.base_url}/api/failbacks/{run_id}", params={"code": host.function_key}, timeout=10
        )
        return body.json().get("runtimeStatus") in {"Completed", "Failed", "Terminated"}

    host.drive(until=finished, max_virtual=timedelta(days=3), timeout=90)
    thread.join(timeout=30)
    result = watched["result"]
    assert "succeeded" in result.output, result.output
    assert result.exit_code == 0

    page = requests.get(
        f"{host.base_url}/api/failbacks/{run_id}",
        params={"code": host.function_key},
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
        timeout=10,
    )
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-phase="approval" data-state="done"' in page.text and "Failback succeeded" in page.text
    runs_page = requests.get(
        f"{host.base_url}/api/failbacks",
        params={"code": host.function_key},
        headers={"Accept": "text/html"},
        timeout=10,
    )
    link = f'href="failbacks/{run_id}?code={host.function_key}'
    assert link in runs_page.text  # navigation from the list keeps the key (no 401)
    followed = requests.get(
        f"{host.base_url}/api/failbacks/{run_id}?code={host.function_key}",
        headers={"Accept": "text/html"},
        timeout=10,
    )
    assert followed.status_code == 200 and "Failback succeeded" in followed.text

    listed = cli(host, "list")
    assert run_id in listed.output and "succeeded" in listed.output
    status = requests.get(
        f"{host.base_url}/api/failbacks/{run_id}", params={"code": host.function_key}, timeout=10
    )
    decisions = status.json()["report"]["decisions"]
    assert any(d.get("by") == "lead@contoso.com" for d in decisions), decisions


def test_cli_reports_every_reason_of_an_invalid_request_W3(stack: tuple[Any, Any]) -> None:
    host, _ = stack
    result = cli(host, "start", "--vm", "web01")
    assert result.exit_code == 1
    assert "400" in result.output and "vault" in result.output
    assert "vault: required" in result.output
    # issue 13, part 6: --lang ja lists the same reasons in Japanese, field paths as sent
    ja = cli(host, "--lang", "ja", "start", "--vm", "web01")
    assert ja.exit_code == 1
    assert "vault: 必須です" in ja.output and "approval: 必須です" in ja.output
    assert ": required" not in ja.output


def test_status_exit_code_says_how_the_run_ended_not_just_that_it_ended(stack: tuple[Any, Any]) -> None:
    """Issue 13: a failed pre-flight is not a success for a script (file01: failover not committed, H2c)."""
    host, _sim = stack
    started = cli(host, "start", *VAULT, "--vm", "file01", "--approver", "lead@contoso.com", *VERIFY)
    run_id = started.output.split("started", 1)[1].split()[0]
    host.drive(
        until=lambda: cli(host, "status", run_id).exit_code != 10, max_virtual=timedelta(days=1), timeout=60
    )
    result = cli(host, "status", run_id)
    assert result.exit_code == 6, result.output
    assert "pre-flight failed" in result.output
    listed = cli(host, "list")
    assert "pre-flight failed" in listed.output


def test_cli_outcomes_are_the_reports_outcomes() -> None:
    from cli.outcomes import OUTCOMES
    from domain.report import OUTCOMES as REPORT_OUTCOMES

    assert set(OUTCOMES) == set(REPORT_OUTCOMES)
    codes = [view.exit_code for name, view in OUTCOMES.items() if name not in ("succeeded", "dry-run")]
    assert 0 not in codes and len(set(codes)) == len(codes)
