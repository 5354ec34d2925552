"""Activity ``verify_onprem``: check that the failed-back VM runs well on-premises (H6).

Input ``{workspaceId, computer, since, checks: [{name, query}], now?}``. It asks Log
Analytics for the computer's ``Heartbeat`` since ``since`` (the end of phase 2) and runs
each KQL check over the same span; a check passes when it returns at least one row. A
partial result or a query error is a failed check carrying its evidence. Output
``{passed, checks: [{name, passed, evidence}], lastHeartbeat}``. It only reads; the
orchestrator polls it with durable timers within the verification window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import azure.durable_functions as df

from activities.asr_common import arm_errors, log_event
from clients.logs import logs_client
from clients.settings import Settings
from domain.contracts import VerifyCheck, VerifyInput, VerifyResult
from domain.errors import FailbackError
from domain.items import parse_time

if TYPE_CHECKING:  # the client is built on first use (cold start, issue 14)
    from azure.monitor.query import LogsQueryClient

bp = df.Blueprint()

#: The span every query covers, from ``since`` (verification windows are at most a day).
QUERY_SPAN = timedelta(days=1)
HEARTBEAT_CHECK = "heartbeat"


def heartbeat_query(computer: str) -> str:
    """KQL: the computer's newest heartbeat in the query span (no row: no heartbeat)."""
    name = computer.replace("\\", "\\\\").replace("'", "\\'")
    return (
        f"Heartbeat | where Computer =~ '{name}' | summarize LastHeartbeat = max(TimeGenerated) by Computer"
    )


def _run(client: LogsQueryClient, workspace: str, name: str, query: str, since: datetime) -> dict[str, Any]:
    try:
        with arm_errors(f"query {name}"):
            result = client.query_workspace(workspace, query, timespan=(since, QUERY_SPAN))
    except FailbackError as err:
        if err.code == "ARM_ERROR" and err.details.get("status") == 400:  # the query itself is wrong
            return {"name": name, "passed": False, "evidence": f"query refused: {err.message}", "rows": []}
        # 5xx, throttling, no answer: Log Analytics is out for a while (the run waits it out, H12);
        # anything else (rights, workspace) is the request's problem.
        code = "LOGS_UNAVAILABLE" if err.code in ("ARM_UNAVAILABLE", "ARM_THROTTLED") else "LOGS_QUERY_FAILED"
        raise FailbackError(code, err.message, details=err.details) from err
    rows: list[Any]
    from azure.monitor.query import LogsQueryStatus  # loaded with the client (cold start, issue 14)

    if result.status == LogsQueryStatus.PARTIAL:
        error = getattr(result, "partial_error", None)
        rows = [list(r) for t in getattr(result, "partial_data", []) or [] for r in t.rows]
        return {
            "name": name,
            "passed": False,
            "evidence": f"partial result ({len(rows)} rows): {getattr(error, 'message', error)}",
            "rows": rows,
        }
    tables = getattr(result, "tables", []) or []
    rows = [dict(zip(t.columns, list(r), strict=False)) for t in tables for r in t.rows]
    return {"name": name, "passed": bool(rows), "evidence": f"{len(rows)} row(s)", "rows": rows}


def _heartbeat(client: LogsQueryClient, workspace: str, computer: str, since: datetime) -> dict[str, Any]:
    check = _run(client, workspace, HEARTBEAT_CHECK, heartbeat_query(computer), since)
    last = None
    if check["passed"]:
        row = check["rows"][0]
        last = row.get("LastHeartbeat") if isinstance(row, dict) else None
        last = last.isoformat() if isinstance(last, datetime) else last
        check["evidence"] = f"{computer}: heartbeat since {since.isoformat()}, last at {last}"
    elif check["evidence"].endswith("0 row(s)"):
        check["evidence"] = f"{computer}: no heartbeat since {since.isoformat()}"
    return {**check, "lastHeartbeat": last}


AZURE_COPY_CHECK = "azure-copy-off"


def azure_copy_query(computer: str) -> str:
    """KQL: the newest heartbeat per environment (``Azure`` is the copy in Azure, on-premises another)."""
    name = computer.replace("\\", "\\\\").replace("'", "\\'")
    return (
        f"Heartbeat | where Computer =~ '{name}' | summarize arg_max(TimeGenerated, *) by ComputerEnvironment"
    )


def _azure_copy_off(
    client: LogsQueryClient, workspace: str, computer: str, since: datetime
) -> dict[str, Any]:
    """Both copies alive (the Azure VM still beating after the switchover) holds the run (issue 12)."""
    check = _run(client, workspace, AZURE_COPY_CHECK, azure_copy_query(computer), since)
    rows = [r for r in check["rows"] if isinstance(r, dict)]
    azure = [r for r in rows if str(r.get("ComputerEnvironment") or "").lower() == "azure"]
    if azure:
        last = azure[0].get("TimeGenerated")
        last = last.isoformat() if isinstance(last, datetime) else last
        evidence = f"{computer}: the Azure copy still sends heartbeats (last at {last}): both copies run"
        return {**check, "passed": False, "evidence": evidence}
    if check["evidence"].startswith(("query refused", "partial result")):
        return check
    return {
        **check,
        "passed": True,
        "evidence": f"{computer}: no heartbeat from Azure since {since.isoformat()}",
    }


def verify(payload: VerifyInput, settings: Settings | None = None) -> VerifyResult:
    """Run the heartbeat check and every KQL check (the activity body).

    Args:
        payload: ``{workspaceId, computer, since, checks}``.
        settings: app settings.
    """
    since = parse_time(payload.get("since"))
    if since is None:
        raise FailbackError("REQUEST_INVALID", "verify_onprem needs 'since' (ISO time)")
    client = logs_client(settings)
    workspace, computer = str(payload["workspaceId"]), str(payload["computer"])
    beat = _heartbeat(client, workspace, computer, since)
    results = [beat, _azure_copy_off(client, workspace, computer, since)] + [
        _run(client, workspace, str(c["name"]), str(c["query"]), since) for c in payload.get("checks") or []
    ]
    checks: list[VerifyCheck] = [
        {"name": r["name"], "passed": r["passed"], "evidence": r["evidence"]} for r in results
    ]
    passed = all(c["passed"] for c in checks)
    log_event(payload, "verify_onprem", computer=computer, passed=passed)
    return {"passed": passed, "checks": checks, "lastHeartbeat": beat["lastHeartbeat"]}


@bp.activity_trigger(input_name="payload")
def verify_onprem(payload: dict) -> dict:
    """Check the on-prem VM with Azure Monitor Logs (H6, docs/contracts.md §5)."""
    return dict(verify(cast(VerifyInput, payload)))
