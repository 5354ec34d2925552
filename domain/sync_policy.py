"""The data-synchronization option of a failback (H3, H9), with the reason for it.

``before-failover`` is ASR's ``ForDownTime`` (delta sync while the Azure VM runs, then the
job waits for "complete failover" — our approval gate); ``during-failover`` is
``ForSynchronization`` (Azure VM shut down at once, full download, no checksums).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from domain.items import parse_time

#: H3b: after this long in Azure most of the disk has changed; a full download is faster.
LONG_RUN_IN_AZURE = timedelta(days=30)

#: Request option -> ASR ``dataSyncOption``.
ASR_DATA_SYNC = {"before-failover": "ForDownTime", "during-failover": "ForSynchronization"}


def asr_data_sync_option(option: str) -> str:
    """Map ``before-failover``/``during-failover`` to ASR's ``ForDownTime``/``ForSynchronization``.

    Raises:
        ValueError: for ``auto`` or any other value (resolve ``auto`` first).
    """
    try:
        return ASR_DATA_SYNC[option]
    except KeyError:
        raise ValueError(f"data sync option {option!r} must be resolved to before-/during-failover") from None


def recommend_data_sync(facts: Mapping[str, Any], location: str, now: datetime) -> dict[str, str]:
    """Recommend the option from the item's facts (H3b, H9).

    Args:
        facts: ``ItemFacts`` (``lastFailoverTime``, ``onPremVmPresent``).
        location: ``original`` or ``alternate``.
        now: the reference time.

    Returns:
        ``{dataSyncOption, reason}`` with a sentence an approver can read.
    """
    if location == "alternate":
        return {
            "dataSyncOption": "before-failover",
            "reason": "Alternate-location failback: synchronizing before failover is recommended (H9); "
            "the Azure VM keeps running while the new host receives the data.",
        }
    since = parse_time(facts.get("lastFailoverTime"))
    # Every fact that favours a full download is named, so the approver sees the whole case.
    grounds = []
    if since is not None and now - since >= LONG_RUN_IN_AZURE:
        grounds.append(
            f"the VM has run in Azure for {(now - since).days} days (a month or more), so most of the disk "
            "has likely changed"
        )
    if facts.get("onPremVmPresent") is False:
        grounds.append("the on-premises VM no longer exists, so there is nothing to compare against")
    if grounds:
        return {
            "dataSyncOption": "during-failover",
            "reason": "; ".join(grounds).capitalize()
            + ": a full download during failover, without checksums, is faster (H3b).",
        }
    ran = f"{(now - since).days} days" if since is not None else "an unknown time"
    return {
        "dataSyncOption": "before-failover",
        "reason": f"The VM has run in Azure for {ran} and the on-premises VM exists: synchronizing only the "
        "changes before failover keeps the downtime to the final delta (H3a).",
    }


def resolve_data_sync(
    requested: str, facts: Mapping[str, Any], location: str, now: datetime
) -> dict[str, Any]:
    """Decide the option actually used.

    Returns:
        ``{dataSyncOption, asrDataSyncOption, source: "adopted-job"|"request"|"recommendation",
        reason, recommendation}``; a failback job under way (``facts.currentScenario.dataSyncOption``,
        set by the ``preflight`` activity) wins, then an explicit request; the reason says if the
        request differs from the recommendation.
    """
    recommendation = recommend_data_sync(facts, location, now)
    adopted = (facts.get("currentScenario") or {}).get("dataSyncOption")
    if adopted in ASR_DATA_SYNC:  # a failback under way is adopted: its job already has an option
        job = (facts.get("currentScenario") or {}).get("jobId")
        chosen, source = adopted, "adopted-job"
        reason = f"Adopting failback job {job} already under way with {adopted}."
        if requested in ASR_DATA_SYNC and requested != adopted:
            reason += f" The request asked for {requested}; a running job's option cannot change."
    elif requested in ASR_DATA_SYNC:
        chosen, source = requested, "request"
        reason = f"Requested {requested}."
        if requested != recommendation["dataSyncOption"]:
            reason += f" Note: {recommendation['dataSyncOption']} is recommended. {recommendation['reason']}"
    else:
        chosen, source, reason = recommendation["dataSyncOption"], "recommendation", recommendation["reason"]
    return {
        "dataSyncOption": chosen,
        "asrDataSyncOption": ASR_DATA_SYNC[chosen],
        "source": source,
        "reason": reason,
        "recommendation": recommendation,
    }
