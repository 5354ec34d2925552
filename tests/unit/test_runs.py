"""Run identity, phase order and the dry-run plan (contracts §6, issue 4 §5)."""

from domain import phases
from domain import run_names as ids
from domain.request import parse_failback_request
from domain.run_names import vault_run_prefix
from domain.runs import dry_run_plan, estimate_downtime, sync_advice
from tests.unit.samples import request_body


def test_the_vault_prefix_finds_runs_of_both_id_formats_of_a_vault():
    """One run per item (contracts §6): the listing of a vault's live runs starts from this prefix."""
    vault = {"subscriptionId": "s", "resourceGroup": "rg", "name": "Vault-DR"}
    assert vault_run_prefix("Vault-DR") == "fb-vault-dr-"
    assert "fb-vault-dr-web01-sql-x-20260110210509".startswith(
        vault_run_prefix("Vault-DR")
    )  # before issue 12
    current = ids.run_id(ids.run_base("Vault-DR", "Web01", ids.item_id(vault, "f", "c", "rpi-web01")), 1)
    assert current.startswith(vault_run_prefix("Vault-DR")) and current.endswith("-g1")


def test_phase_order_puts_approval_before_the_shutdown_for_both_options_W1():
    before = phases.phase_order("before-failover", maintenance_window=True, reverse_replication=True)
    assert before == [
        "preflight",
        "sync",
        "approval",
        "window",
        "switchover",
        "verify",
        "commit",
        "reprotect",
        "report",
    ]
    during = phases.phase_order("during-failover", maintenance_window=False, reverse_replication=False)
    assert during == ["preflight", "approval", "switchover", "verify", "commit", "report"]


def test_downtime_estimate_grows_with_disk_size_and_full_download():
    small = estimate_downtime(100, "before-failover")
    full = estimate_downtime(100, "during-failover")
    big = estimate_downtime(1000, "during-failover")
    assert small["seconds"] < full["seconds"] < big["seconds"]
    assert small["lowSeconds"] <= small["seconds"] <= small["highSeconds"]
    assert small["syncPhase1Seconds"] == 2000 and full["syncPhase1Seconds"] == 0
    assert "full download" in full["assumptions"]


def test_dry_run_plan_lists_phases_downtime_and_approvals():
    req = parse_failback_request(
        request_body(
            dryRun=True,
            verification={
                "workspaceId": "11111111-2222-3333-4444-555555555555",
                "computer": "web01",
                "humanConfirmation": True,
            },
        )
    )
    sync = {"dataSyncOption": "before-failover", "reason": "short stay"}
    plan = dry_run_plan(
        req,
        {"name": "item-web01", "friendlyName": "web01", "diskSizeGB": 192.0},
        sync,
        {"passed": True, "checks": []},
    )
    assert plan["wouldStart"] is True
    assert [p["name"] for p in plan["phases"]][:3] == ["preflight", "sync", "approval"]
    assert plan["expectedDowntime"]["seconds"] == estimate_downtime(192.0, "before-failover")["seconds"]
    assert [a["gate"] for a in plan["approvalsNeeded"]] == ["switchover", "verification"]
    assert plan["approvalsNeeded"][0]["approvers"] == ["ops-lead@contoso.com"]


def test_sync_advice_says_what_was_long_and_how_to_speed_it_up_H11() -> None:
    assert sync_advice(phase1_seconds=20 * 60, estimate=estimate_downtime(100, "before-failover")) is None
    long_run = sync_advice(phase1_seconds=95 * 60)
    assert long_run is not None and "sync phase 1 took 95 min" in long_run
    assert "Recovery Services agent" in long_run and "more threads" in long_run
    assert "depends on many factors" in long_run and "スレッド" in long_run
    big = sync_advice(estimate=estimate_downtime(2000, "during-failover"))
    assert big is not None and "the downtime is estimated at" in big
