"""The WINDOW pre-flight rule: a maintenance window shorter than the estimated downtime (issue 13, part 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.i18n import localize_check
from domain.request import MaintenanceWindow
from domain.runs import estimate_downtime
from domain.window_fit import plan_disk_gb, window_check, window_fit

NOW = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
DURING = estimate_downtime(127, "during-failover")  # 2,900 s: 48 min 20 s, shown as 49
BEFORE = estimate_downtime(127, "before-failover")  # 352 s: ~6 min


def _window(opens_in_min: int, minutes: int) -> tuple[datetime, datetime]:
    start = NOW + timedelta(minutes=opens_in_min)
    return start, start + timedelta(minutes=minutes)


def test_a_window_shorter_than_the_estimate_fails_with_both_lengths_and_what_to_do() -> None:
    """W1: the operator reads the window's length, the estimate, and the length to ask for."""
    check = window_fit(*_window(60, 30), DURING, "during-failover", NOW)
    assert check["id"] == "WINDOW" and not check["passed"]
    assert "is 30 min long" in check["evidence"] and "estimated at 49 min" in check["evidence"]
    assert "27–92 min" in check["evidence"]
    assert check["remedy"].startswith("Give a window of at least 49 min (ending at 2026-03-01T14:48:20+00:00")
    assert "before-failover" in check["remedy"]  # the other way to fit: a shorter downtime
    assert "warning" not in check


def test_an_open_window_counts_only_what_is_left() -> None:
    """W1: a window open since an hour with 40 min left is too short for 49 min."""
    check = window_fit(*_window(-60, 100), DURING, "during-failover", NOW)
    assert not check["passed"] and "open with 40 min left" in check["evidence"]


def test_a_window_as_long_as_the_estimate_passes_and_one_second_less_fails() -> None:
    """W1: the same condition the runbook holds the switchover on (now + estimate > end)."""
    start = NOW + timedelta(hours=1)
    exact = window_fit(start, start + timedelta(seconds=BEFORE["seconds"]), BEFORE, "before-failover", NOW)
    assert exact["passed"] and "remedy" not in exact
    short = start + timedelta(seconds=BEFORE["seconds"] - 1)
    check = window_fit(start, short, BEFORE, "before-failover", NOW)
    assert not check["passed"]
    assert "before-failover" not in check["remedy"]  # already the shorter option: only a longer window


def test_a_dry_run_warns_instead_of_failing() -> None:
    """W1: the rehearsal passes the check and says why the real request would be refused."""
    check = window_fit(*_window(60, 30), DURING, "during-failover", NOW, dry_run=True)
    assert check["passed"]
    assert "is 30 min long" in check["warning"] and "at least 49 min" in check["warning"]


def test_the_check_reads_in_japanese_from_the_catalog() -> None:
    """Issue 13, part 6: pages show the recorded check in the reader's language."""
    check = localize_check(window_fit(*_window(60, 30), DURING, "during-failover", NOW), "ja")
    assert check["evidence"].startswith("メンテナンス時間帯は 30 分ですが、想定ダウンタイムは 49 分")
    assert check["remedy"].startswith("49 分以上の時間帯")
    assert check["rule"] == "メンテナンス時間帯が想定ダウンタイムに足りる"
    english = localize_check(window_fit(*_window(60, 30), DURING, "during-failover", NOW), "en")
    assert english["evidence"].startswith("The maintenance window is 30 min long")


def _mw(opens_in_min: int, minutes: int) -> MaintenanceWindow:
    start, end = _window(opens_in_min, minutes)
    return MaintenanceWindow(start=start.isoformat(), end=end.isoformat())


def test_window_check_uses_the_estimate_of_the_disks_and_option_and_is_absent_without_a_window() -> None:
    """W1: VMware (before-failover) and plans get the same check as Hyper-V, from their disks."""
    assert window_check(None, 384, "before-failover", NOW) is None
    vmware = estimate_downtime(384, "before-failover")  # vmw-win01's 128 + 256 GB: ~8 min
    short = window_check(_mw(60, 5), 384, "before-failover", NOW)
    assert short is not None and not short["passed"]
    assert short == window_fit(*_window(60, 5), vmware, "before-failover", NOW)
    assert "is 5 min long" in short["evidence"] and "estimated at 8 min" in short["evidence"]
    assert "dataSync" not in short["remedy"]  # before-failover already: no other option to offer
    rehearsal = window_check(_mw(60, 5), 384, "before-failover", NOW, dry_run=True)
    assert rehearsal is not None and rehearsal["passed"] and "estimated at 8 min" in rehearsal["warning"]
    fits = window_check(_mw(60, 8), 384, "before-failover", NOW)
    assert fits is not None and fits["passed"] and "warning" not in fits


def test_a_plan_moves_every_members_disks_in_its_one_downtime() -> None:
    """W1/V5: the plan's estimate is over the sum of its members' disks, so adding a VM can refuse it."""
    assert plan_disk_gb([127.0, 384.0, 0.0]) == 511.0
    assert plan_disk_gb([]) == 0.0 and plan_disk_gb([-5.0, 10.0]) == 10.0
    one = window_check(_mw(0, 60), 127, "during-failover", NOW)
    both = window_check(_mw(0, 60), plan_disk_gb([127, 127]), "during-failover", NOW)
    assert one is not None and one["passed"]  # 49 min fits in 60
    assert both is not None and not both["passed"] and "estimated at 92 min" in both["evidence"]
