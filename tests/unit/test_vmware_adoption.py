"""Which VMware states past the failover to on-premises a new request adopts (issue 12, part 3; V3, H1).

The states are the simulator's VMware models (classic ``vmware_classic.py``, modernized
``vmware_modernized.py``; G14 in ``simulator/RECORDED.md``): each is adopted with the phases already
done skipped, and an item that cannot be adopted gets a remedy true for where it is.
"""

import pytest

from domain import phases
from domain.adoption import adoptable_stage
from domain.vmware_adoption import not_adoptable_remedy, vmware_adoptable_stage
from domain.vmware_rules import state_rule


def _facts(provider, state, allowed, active="Primary", running=None):
    return {
        "provider": provider,
        "protectionState": state,
        "activeLocation": active,
        "allowedOperations": allowed,
        "currentScenario": {"scenarioName": running, "jobId": "/x/replicationJobs/j-1"} if running else None,
    }


@pytest.mark.parametrize(
    ("facts", "stage", "last_skipped"),
    [
        (
            _facts(
                "InMage",
                "UnplannedFailoverCommitPendingStatesBegin",
                ["Commit", "ChangePit", "DisableProtection"],
            ),
            "commit-pending",
            phases.SWITCHOVER,
        ),
        (
            _facts(
                "InMageRcmFailback",
                "PlannedFailoverCommitRequired",
                ["Commit", "CancelFailover", "DisableProtection"],
            ),
            "commit-pending",
            phases.SWITCHOVER,
        ),
        (
            _facts("InMage", "UnplannedFailoverCommitted", ["ReverseReplicate", "DisableProtection"]),
            "committed",
            phases.COMMIT,
        ),
        (
            _facts(
                "InMageRcmFailback", "PlannedFailoverStatesBegin", ["ReverseReplicate", "DisableProtection"]
            ),
            "committed",
            phases.COMMIT,
        ),
        (_facts("InMage", "CommitInitiated", [], running="CommitFailover"), "commit-running", phases.VERIFY),
        (
            _facts("InMage", "UnprotectedStatesBegin", [], running="ReprotectReplicationGroup"),
            "reprotect-running",
            phases.COMMIT,
        ),
    ],
)
def test_a_vmware_item_failed_back_is_adopted_skipping_what_asr_did(facts, stage, last_skipped):
    adopted = vmware_adoptable_stage(facts)
    assert adopted is not None and adopted["stage"] == stage
    assert adopted["skip"][-1] == last_skipped and phases.SWITCHOVER in adopted["skip"]
    assert "No new" in adopted["explain"] and str(facts["protectionState"]) in adopted["explain"]
    assert adoptable_stage(facts) == adopted  # the one entry point the Hyper-V pre-flight uses too


@pytest.mark.parametrize(
    "facts",
    [
        _facts("InMageAzureV2", "UnplannedFailoverCommitted", ["SwitchProtection"], active="Recovery"),  # R43
        _facts("InMage", "Protected", ["UnplannedFailover", "DisableProtection"], active="Recovery"),
        _facts("InMageAzureV2", "Protected", ["UnplannedFailover"], active="Primary"),
        _facts(
            "InMage", "Protected", [], active="Recovery", running="UnplannedFailover"
        ),  # the failover runs
        _facts(
            "InMageAzureV2",
            "UnprotectedStatesBegin",
            [],
            active="Recovery",
            running="ReprotectReplicationGroup",
        ),
    ],
)
def test_an_item_in_azure_or_mid_failover_is_not_adopted(facts):
    assert vmware_adoptable_stage(facts) is None


def test_an_item_back_on_premises_and_protected_to_azure_is_told_there_is_nothing_to_fail_back():
    check = state_rule(_facts("InMageAzureV2", "Protected", ["UnplannedFailover", "TestFailover"]))
    assert not check["passed"]
    assert "nothing to fail back" in check["remedy"] and "Commit the failover to Azure" not in check["remedy"]


def test_an_item_running_a_failover_is_told_to_wait_for_that_job_not_to_commit():
    facts = _facts("InMage", "UnplannedFailoverInitiated", [], active="Recovery", running="UnplannedFailover")
    check = state_rule(facts)
    assert not check["passed"] and "UnplannedFailover job" in check["remedy"] and "Wait" in check["remedy"]


def test_an_item_on_premises_offering_neither_commit_nor_reprotect_names_what_it_offers():
    facts = _facts(
        "InMageRcmFailback", "PlannedFailoverCommitRequired", ["CancelFailover", "DisableProtection"]
    )
    assert vmware_adoptable_stage(facts) is None
    remedy = not_adoptable_remedy(facts)
    assert remedy is not None and "neither Commit nor ReverseReplicate" in remedy["text"]
    assert "CancelFailover" in remedy["text"]


def test_an_item_in_azure_keeps_the_commit_first_remedy():
    facts = _facts(
        "InMageAzureV2", "UnplannedFailoverCommitPendingStatesBegin", ["Commit"], active="Recovery"
    )
    assert not_adoptable_remedy(facts) is None
    assert "Commit the failover to Azure first" in state_rule(facts)["remedy"]
