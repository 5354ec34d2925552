"""The Hyper-V failback under every simulator profile (simulator/RECORDED.md, guesses G1-G8).

No recording settles how the service behaves in a few places (how a ForDownTime job waits for
"complete failover", whether a resume continues in the same job, whether an LRO id is a job name,
the job ``$filter`` grammar, the codes of refusals). ``simulator.profiles`` names a variant of each;
the product must finish the main flows the same way under all of them: the run succeeds, no
invariant is violated and each ASR operation reaches ASR exactly once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts.failback_stack import FailbackStack, sample_request
from simulator.profiles import PROFILES
from tests.e2e.conftest import approve_and_finish, assert_clean

FLOWS: dict[str, dict[str, Any]] = {
    # ForDownTime: sync phase 1, approval, resume (G1, G3, G4 on the resume)
    "before-failover": {"dataSync": "before-failover"},
    # ForSynchronization: approval first, then the planned failover does everything
    "during-failover": {"dataSync": "during-failover"},
    # alternate location recovery to another Hyper-V host (H9)
    "alternate-location": {
        "dataSync": "before-failover",
        "location": "alternate",
        "targetHost": "hv-host-02",
    },
}


@pytest.mark.parametrize("flow", list(FLOWS))
@pytest.mark.parametrize("profile", list(PROFILES))
def test_the_main_hyperv_flows_succeed_under_every_profile(tmp_path: Path, profile: str, flow: str) -> None:
    with FailbackStack(tmp_path, profile=profile) as stack:
        assert stack.sim.app.profile.name == profile
        run_id = stack.start_failback(sample_request(**FLOWS[flow]))
        report = approve_and_finish(stack, run_id)
        assert report["outcome"] == "succeeded", (profile, flow, report.get("error"), report.get("message"))
        operations = [j["operation"] for j in report["asrJobs"]]
        resumed_in_new_job = (
            PROFILES[profile].resume_job == "new" and FLOWS[flow]["dataSync"] == "before-failover"
        )
        # G3: a resume that continues in a new job shows that job as the switchover's
        expected = ["sync", "switchover"] if resumed_in_new_job else ["sync"]
        if FLOWS[flow]["dataSync"] == "during-failover":
            expected = ["switchover"]
        assert operations == [*expected, "commit", "reprotect"], operations
        # R9/R10: done means protected again with the RPO within the SLA (default 30 minutes)
        protection = report["reverseReplication"]
        assert protection["protected"] and protection["withinSla"] and not protection["timedOut"]
        assert protection["rpoSeconds"] <= protection["rpoSlaSeconds"] == 1800
        assert protection["secondsToProtected"] > 0
        resumes = 1 if FLOWS[flow]["dataSync"] == "before-failover" else 0
        assert_clean(stack, resume=resumes)  # one plannedFailover, failoverCommit and reProtect each
