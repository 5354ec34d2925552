"""Data-sync option recommendation for `auto` (H3b, H9)."""

from datetime import timedelta

import pytest

from domain.sync_policy import asr_data_sync_option, recommend_data_sync, resolve_data_sync
from tests.unit.samples import NOW


def _facts(days_in_azure=5, present=True):
    return {"lastFailoverTime": (NOW - timedelta(days=days_in_azure)).isoformat(), "onPremVmPresent": present}


def test_short_stay_with_onprem_vm_recommends_before_failover_H3a():
    rec = recommend_data_sync(_facts(5), "original", NOW)
    assert rec["dataSyncOption"] == "before-failover"
    assert "5 days" in rec["reason"]


def test_a_month_in_azure_recommends_during_failover_H3b():
    rec = recommend_data_sync(_facts(30), "original", NOW)
    assert rec["dataSyncOption"] == "during-failover"
    assert "30 days" in rec["reason"]


def test_deleted_onprem_vm_recommends_during_failover_H3b():
    rec = recommend_data_sync(_facts(1, present=False), "original", NOW)
    assert rec["dataSyncOption"] == "during-failover"
    assert "no longer exists" in rec["reason"]


def test_alternate_location_recommends_before_failover_H9():
    rec = recommend_data_sync(_facts(90, present=False), "alternate", NOW)
    assert rec["dataSyncOption"] == "before-failover"
    assert "H9" in rec["reason"]


def test_unknown_failover_time_recommends_before_failover():
    assert (
        recommend_data_sync({"onPremVmPresent": True}, "original", NOW)["dataSyncOption"] == "before-failover"
    )


def test_auto_uses_the_recommendation_and_explicit_wins_with_a_note():
    auto = resolve_data_sync("auto", _facts(45), "original", NOW)
    assert (auto["dataSyncOption"], auto["asrDataSyncOption"], auto["source"]) == (
        "during-failover",
        "ForSynchronization",
        "recommendation",
    )
    explicit = resolve_data_sync("before-failover", _facts(45), "original", NOW)
    assert (explicit["dataSyncOption"], explicit["asrDataSyncOption"], explicit["source"]) == (
        "before-failover",
        "ForDownTime",
        "request",
    )
    assert "during-failover is recommended" in explicit["reason"]


def test_asr_mapping_refuses_unresolved_auto():
    assert asr_data_sync_option("before-failover") == "ForDownTime"
    with pytest.raises(ValueError, match="resolved"):
        asr_data_sync_option("auto")
