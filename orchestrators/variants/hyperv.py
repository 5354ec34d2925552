"""The Hyper-V variant of the failback runbook (seeds 000/001, H1-H10). Pure."""

from __future__ import annotations

from typing import Any

from orchestrators.variants.base import ActivityCall, RunFacts, VariantDefaults, data_sync_order


class HyperVVariant(VariantDefaults):
    """Hyper-V to Azure and back (seeds 000/001, H1-H10).

    ``before-failover`` (ForDownTime): the planned failover copies the data while the
    Azure VM runs, then the job suspends; resuming it is the switchover. So the
    approval gate sits between sync phase 1 and the switchover.
    ``during-failover`` (ForSynchronization): starting the planned failover shuts the
    Azure VM down at once, so starting it *is* the switchover and the approval gate
    comes before it.
    """

    kind = "hyperv"

    def phase_order(self, run: RunFacts) -> list[str]:
        """Phases after pre-flight for the resolved data-sync option."""
        return data_sync_order(run)

    def _failover(self, run: RunFacts) -> ActivityCall:
        req = run.request
        body: dict[str, Any] = {
            "vault": run.vault,
            "item": dict(run.item),
            "dataSyncOption": str(run.sync["asrDataSyncOption"]),
            "location": req.location,
            "createVmIfNotFound": req.create_vm_if_not_found,
        }
        if req.target_host:
            body["targetHost"] = req.target_host
        if req.encryption_certificate is not None:
            body["encryptionCertificate"] = req.encryption_certificate.to_dict()
        return ActivityCall("start_failback", body)

    def start(self, run: RunFacts) -> ActivityCall:
        """``start_failback`` with the request's options (H3, H4, H9)."""
        return self._failover(run)

    def suspends_after_start(self, run: RunFacts) -> bool:
        """ForDownTime suspends after sync phase 1; ForSynchronization does not."""
        return run.data_sync == "before-failover"

    def switchover(self, run: RunFacts, job_id: str | None) -> ActivityCall:
        """Resume the suspended job (ForDownTime), or start the failover (ForSynchronization)."""
        if self.suspends_after_start(run):
            if not job_id:
                raise ValueError("the switchover of a before-failover run resumes the sync job; no job id")
            comments = (
                "Approved failback: shut down the Azure VM, transfer the final delta, start on-premises"
            )
            # the item names the job that goes on (G3: a resume may continue in a new job)
            body = {"vault": run.vault, "jobId": job_id, "comments": comments, "item": dict(run.item)}
            return ActivityCall("resume_job", body)
        return self._failover(run)

    def commit(self, run: RunFacts) -> ActivityCall:
        """``commit_failover`` on the item (H7)."""
        return ActivityCall("commit_failover", {"vault": run.vault, "item": dict(run.item)})

    def reprotect(self, run: RunFacts) -> ActivityCall:
        """``reverse_replicate`` on the item (H8)."""
        return ActivityCall("reverse_replicate", {"vault": run.vault, "item": dict(run.item)})

    def abandon(self, run: RunFacts, job_id: str) -> ActivityCall:
        """``cancel_job`` on the suspended job; the activity refuses during data sync (H10)."""
        return ActivityCall("cancel_job", {"vault": run.vault, "jobId": job_id})
