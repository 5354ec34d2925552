"""Typer commands: ``start``, ``status [--watch]``, ``list``, ``approve``/``reject``, ``cancel``.

Every command takes ``--base-url`` (env ``FAILBACK_BASE_URL``) and ``--key``
(env ``FAILBACK_FUNCTION_KEY``), so the same CLI drives the local host and Azure.
"""

from __future__ import annotations

import json
import time
import webbrowser
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from cli.api import DEFAULT_BASE_URL, ApiError, FailbackApi
from cli.outcomes import API_ERROR_EXIT, exit_code, outcome_of
from cli.render import outcome_label, run_panel, set_language, tr
from domain import i18n

app = typer.Typer(help="Operate Azure Site Recovery failbacks.", no_args_is_help=True, add_completion=False)
console = Console()

BaseUrl = Annotated[str, typer.Option("--base-url", envvar="FAILBACK_BASE_URL", help="API base URL")]
Key = Annotated[
    str, typer.Option("--key", envvar="FAILBACK_FUNCTION_KEY", help="function key", show_default=False)
]


@app.callback()
def main(
    lang: Annotated[
        str, typer.Option("--lang", envvar="FAILBACK_LANGUAGE", help="language of the output: en or ja")
    ] = i18n.DEFAULT_LANGUAGE,
) -> None:
    """Operate Azure Site Recovery failbacks."""
    global console
    # Rich reads the terminal width (COLUMNS) when a Console is made: make it per invocation, so a
    # run id is never cut to "fb-vault-dr-f…" because the width was taken before the terminal's.
    console = Console()
    set_language(lang)


def _api(base_url: str, key: str) -> FailbackApi:
    api = FailbackApi(base_url=base_url, key=key)
    api.session.headers["Accept-Language"] = _lang()
    return api


def _lang() -> str:
    from cli.render import LANG

    return LANG["value"]


def _fail(exc: ApiError) -> typer.Exit:
    console.print(f"[red]{exc.status} {exc.title}[/red] {exc.detail}")
    for reason in exc.localized_errors:
        console.print(f"  • {reason}")
    return typer.Exit(code=API_ERROR_EXIT)


def build_request(
    file: Path | None,
    subscription: str | None,
    resource_group: str | None,
    vault: str | None,
    item: str | None,
    vm: str | None,
    approvers: list[str],
    workspace: str | None,
    computer: str | None,
    dry_run: bool,
) -> dict[str, Any]:
    """The request body from a JSON file and/or flags (flags win)."""
    body: dict[str, Any] = json.loads(file.read_text()) if file else {}
    if subscription or resource_group or vault:
        body["vault"] = {
            **body.get("vault", {}),
            **{
                k: v
                for k, v in {
                    "subscriptionId": subscription,
                    "resourceGroup": resource_group,
                    "name": vault,
                }.items()
                if v
            },
        }
    if item or vm:
        body["item"] = {"name": item} if item else {"friendlyName": vm}
    if approvers:
        body["approval"] = {**body.get("approval", {}), "approvers": approvers}
    if workspace or computer:
        body["verification"] = {
            **body.get("verification", {}),
            **{k: v for k, v in {"workspaceId": workspace, "computer": computer}.items() if v},
        }
    if dry_run:
        body["dryRun"] = True
    return body


@app.command()
def start(
    file: Annotated[Path | None, typer.Argument(help="request JSON file (docs/request.md)")] = None,
    subscription: Annotated[str | None, typer.Option(help="vault subscription id")] = None,
    resource_group: Annotated[str | None, typer.Option(help="vault resource group")] = None,
    vault: Annotated[str | None, typer.Option(help="vault name")] = None,
    item: Annotated[str | None, typer.Option(help="protected item (ASR name)")] = None,
    vm: Annotated[str | None, typer.Option(help="protected item by VM friendly name")] = None,
    approver: Annotated[list[str] | None, typer.Option(help="approver (repeat)")] = None,
    workspace: Annotated[str | None, typer.Option(help="Log Analytics workspace id")] = None,
    computer: Annotated[str | None, typer.Option(help="on-prem computer name in Heartbeat")] = None,
    dry_run: Annotated[bool, typer.Option(help="pre-flight and plan only")] = False,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    key: Key = "",
) -> None:
    """Start a failback from a request file and/or flags."""
    body = build_request(
        file, subscription, resource_group, vault, item, vm, approver or [], workspace, computer, dry_run
    )
    try:
        answer = _api(base_url, key).start(body)
    except ApiError as exc:
        raise _fail(exc) from exc
    verb = tr("joined the run in progress") if answer.get("existing") else tr("started")
    console.print(f"[green]{verb}[/green] {answer.get('id')}")
    if answer.get("plan") is not None or answer.get("outcome"):
        console.print_json(data={k: answer.get(k) for k in ("outcome", "plan", "preflight")})
    command = f"python -m cli status {answer.get('id')} --watch"
    console.print(tr("status: {command}").format(command=command))


@app.command()
def status(
    run_id: Annotated[str, typer.Argument(help="run id")],
    watch: Annotated[bool, typer.Option("--watch", "-w", help="follow until the run ends")] = False,
    interval: Annotated[float, typer.Option(help="seconds between polls")] = 2.0,
    as_json: Annotated[bool, typer.Option("--json", help="print the raw JSON")] = False,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    key: Key = "",
) -> None:
    """Show a run; with --watch follow phase, ASR task and percent live until it ends.

    Exit code: 0 only for a succeeded failback (or a passed dry run); 3 failed, 4 not approved,
    5 cancelled, 6 pre-flight failed, 7 left for manual handling, 8 window missed, 10 still
    running (without --watch), 1 API error.
    """
    api = _api(base_url, key)
    try:
        view = api.status(run_id)
        if watch:
            view = _watch(api, run_id, view, interval)
        if as_json:
            console.print_json(data=view)
        elif not watch:
            console.print(run_panel(view))
    except ApiError as exc:
        raise _fail(exc) from exc
    code = exit_code(view)
    if code:
        raise typer.Exit(code=code)


def _watch(api: FailbackApi, run_id: str, view: dict[str, Any], interval: float) -> dict[str, Any]:
    """Follow a run live until it ends; its last status."""
    with Live(run_panel(view), console=console, refresh_per_second=4) as live:
        while view.get("runtimeStatus") in {"Running", "Pending", "Suspended", None}:
            time.sleep(interval)
            view = api.status(run_id)
            live.update(run_panel(view))
    return view


@app.command("list")
def list_runs(base_url: BaseUrl = DEFAULT_BASE_URL, key: Key = "") -> None:
    """List runs, newest first."""
    try:
        runs = _api(base_url, key).runs()
    except ApiError as exc:
        raise _fail(exc) from exc
    table = Table()
    # The run id is what an operator copies into the next command: never shortened or wrapped.
    ids = [r.get("runId") or "" for r in runs]
    table.add_column(tr("Run"), no_wrap=True, min_width=max(map(len, ids), default=3))
    for title in (tr("Outcome"), tr("VMs"), tr("Phase"), tr("Started"), tr("Downtime")):
        table.add_column(title)
    for r in runs:
        table.add_row(
            r.get("runId") or "",
            outcome_label(outcome_of(r)),
            ", ".join(r.get("vms") or []),
            r.get("phase") or "",
            i18n.format_when(r.get("startedAt") or r.get("createdTime"), _lang()),
            i18n.format_minutes(r.get("downtimeSeconds"), _lang()),
        )
    console.print(table)


def _decide(link: str, decision: str, comment: str, yes: bool, open_browser: bool, base_url: str) -> None:
    api = FailbackApi(base_url=base_url)
    api.session.headers["Accept-Language"] = _lang()
    if open_browser:
        url = api.approval_url(link)
        console.print(tr("opening {url}").format(url=url))
        webbrowser.open(url)
        return
    try:
        page = api.approval_page(link)
        attest: list[str] = []
        if decision == "approve":
            console.print(tr("Approving the failback of {vm}. You attest that:").format(vm=page.vm))
            for _ident, text in page.checklist:
                console.print(f"  • {text}")
            if not yes and not typer.confirm(tr("Do you attest all of the above and approve?")):
                raise typer.Exit(code=1)
            attest = [ident for ident, _ in page.checklist]
        outcome = api.decide(page, decision, comment, attest)
    except ApiError as exc:
        raise _fail(exc) from exc
    console.print(f"[green]{outcome}[/green]")


Link = Annotated[str, typer.Argument(help="approval link (or its token) from the message")]
Comment = Annotated[str, typer.Option(help="comment for the audit trail")]
Open = Annotated[bool, typer.Option("--open", help="open the page in a browser instead")]


@app.command()
def approve(
    link: Link,
    comment: Comment = "",
    yes: Annotated[bool, typer.Option("--yes", help="attest the checklist without asking")] = False,
    open_browser: Open = False,
    base_url: BaseUrl = DEFAULT_BASE_URL,
) -> None:
    """Approve through the approval page (shows the checklist to attest first)."""
    _decide(link, "approve", comment, yes, open_browser, base_url)


@app.command()
def reject(
    link: Link, comment: Comment = "", open_browser: Open = False, base_url: BaseUrl = DEFAULT_BASE_URL
) -> None:
    """Reject through the approval page."""
    _decide(link, "reject", comment, True, open_browser, base_url)


@app.command()
def cancel(
    run_id: Annotated[str, typer.Argument(help="run id")],
    reason: Annotated[str, typer.Option(help="why")] = "",
    base_url: BaseUrl = DEFAULT_BASE_URL,
    key: Key = "",
) -> None:
    """Ask a run to cancel (refused where unsafe, e.g. during data sync)."""
    try:
        answer = _api(base_url, key).cancel(run_id, reason)
    except ApiError as exc:
        raise _fail(exc) from exc
    console.print_json(data=answer)


# issue 15: ``capture`` lives in its own module
from cli.capture import capture as _capture  # noqa: E402

app.command("capture")(_capture)
