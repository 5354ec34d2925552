"""``python -m cli capture``: a read-only capture of one vault, sanitized by default (docs/capture.md).

It reads with the real ``SiteRecoveryManagementClient`` (GET and list only): fabrics, their
providers, containers, protectable items (the on-prem VMs each container reports) and vCenters;
protected items; recovery plans; policies; the newest jobs with their tasks; and, given a workspace,
the heartbeat summary the verification queries. The answers are kept as ARM sent them
(``as_dict()`` of the SDK's models keeps every wire field), then pseudonymised (``cli.sanitize``).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.sanitize import sanitize, strip_secrets

FORMAT = "asr-failback-capture"
VERSION = 1
PUBLIC_ARM = "https://management.azure.com"
PUBLIC_LOGS = "https://api.loganalytics.io"
console = Console(stderr=True)


class CaptureRefusedError(Exception):
    """The capture cannot go on; ``message`` says what to do."""


def _rights_message(what: str, vault: str, error: Any) -> str:
    return (
        f"Not allowed to read {what} of vault {vault} ({getattr(error, 'status_code', '')} "
        f"{getattr(getattr(error, 'error', None), 'code', '') or 'AuthorizationFailed'}). "
        "Assign the identity the 'Site Recovery Reader' role (or 'Reader') on the vault or its resource "
        "group; for the heartbeat summary, 'Log Analytics Reader' on the workspace."
    )


class VaultReader:
    """Reads one vault through an SDK client, counting steps for a progress bar.

    Args:
        client: a ``SiteRecoveryManagementClient`` of the vault's subscription.
        resource_group: the vault's resource group.
        vault: the vault name.
        advance: called with (description, steps found so far to do) as the reading goes.
    """

    def __init__(
        self,
        client: Any,
        resource_group: str,
        vault: str,
        advance: Callable[[str, int], None] | None = None,
    ) -> None:
        self.client = client
        self.rg = resource_group
        self.vault = vault
        self.advance = advance or (lambda what, more: None)
        #: the service's time (``Date`` of its first answer): what the capture's times are relative to
        self.service_time: datetime | None = None

    def _dated(self, response: Any) -> None:
        from email.utils import parsedate_to_datetime

        date = response.http_response.headers.get("Date")
        if date and self.service_time is None:
            with contextlib.suppress(TypeError, ValueError):
                self.service_time = parsedate_to_datetime(date).astimezone(UTC)

    def _read(self, what: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

        try:
            result = call(*args, **kwargs)
            return [r.as_dict() for r in result] if not hasattr(result, "as_dict") else result.as_dict()
        except ClientAuthenticationError as error:
            if getattr(error, "status_code", None) in (401, 403):
                raise CaptureRefusedError(_rights_message(what, self.vault, error)) from error
            raise CaptureRefusedError(
                f"Could not sign in to read {what}: {error.message}. Sign in with 'az login' (or run where a "
                "managed identity is available), or pass --credential local for the simulator."
            ) from error
        except HttpResponseError as error:
            if error.status_code in (401, 403):
                raise CaptureRefusedError(_rights_message(what, self.vault, error)) from error
            if error.status_code == 404:
                raise CaptureRefusedError(f"Not found while reading {what}: {error.message}") from error
            raise
        finally:
            self.advance(what, 0)

    def read(self, jobs: int) -> dict[str, list[dict[str, Any]]]:
        """Every resource list of the capture (``resources``)."""
        c, rg, v = self.client, self.rg, self.vault
        out: dict[str, list[dict[str, Any]]] = {k: [] for k in _KINDS}
        self.advance("", 5)
        out["fabrics"] = self._read(
            "fabrics", c.replication_fabrics.list, rg, v, raw_response_hook=self._dated
        )
        self.advance("", 2 * len(out["fabrics"]))
        for fabric in out["fabrics"]:
            name = fabric["name"]
            out["providers"] += self._read(
                f"servers of {name}",
                c.replication_recovery_services_providers.list_by_replication_fabrics,
                rg,
                v,
                name,
            )
            containers = self._read(
                f"containers of {name}",
                c.replication_protection_containers.list_by_replication_fabrics,
                rg,
                v,
                name,
            )
            out["containers"] += containers
            kind = ((fabric.get("properties") or {}).get("customDetails") or {}).get("instanceType")
            if kind == "VMware":
                self.advance("", 1)
                out["vCenters"] += self._read(
                    f"vCenters of {name}", c.replicationv_centers.list_by_replication_fabrics, rg, v, name
                )
            self.advance("", len(containers))
            for container in containers:
                out["protectableItems"] += self._read(
                    f"on-premises VMs of {container['name']}",
                    c.replication_protectable_items.list_by_replication_protection_containers,
                    rg,
                    v,
                    name,
                    container["name"],
                )
        out["protectedItems"] = self._read("protected items", c.replication_protected_items.list, rg, v)
        out["recoveryPlans"] = self._read("recovery plans", c.replication_recovery_plans.list, rg, v)
        out["policies"] = self._read("policies", c.replication_policies.list, rg, v)
        listed = self._read("jobs", lambda: _first(c.replication_jobs.list(rg, v), jobs))
        self.advance("", len(listed))
        for job in listed:
            out["jobs"].append(self._read(f"job {job['name']}", c.replication_jobs.get, rg, v, job["name"]))
        return out


_KINDS = (
    "fabrics",
    "providers",
    "containers",
    "protectableItems",
    "vCenters",
    "protectedItems",
    "recoveryPlans",
    "policies",
    "jobs",
)


def _first(pages: Any, count: int) -> list[Any]:
    out: list[Any] = []
    for entry in pages:
        if len(out) >= count:
            break
        out.append(entry)
    return out


def heartbeats(
    logs_client: Any, workspace: str, computers: list[str], hours: int = 24
) -> list[dict[str, Any]]:
    """The verification's heartbeat summary per computer over the last ``hours`` (newest heartbeat)."""
    from azure.monitor.query import LogsQueryStatus

    out: list[dict[str, Any]] = []
    for computer in computers:
        query = (
            f"Heartbeat | where Computer =~ '{computer}' "
            "| summarize LastHeartbeat = max(TimeGenerated) by Computer"
        )
        answer = logs_client.query_workspace(workspace, query, timespan=timedelta(hours=hours))
        last = None
        if answer.status == LogsQueryStatus.SUCCESS:
            for table in answer.tables:
                for row in table.rows:
                    value = dict(zip(table.columns, row, strict=False)).get("LastHeartbeat")
                    last = value.isoformat() if isinstance(value, datetime) else value
        out.append({"computer": computer, "lastHeartbeat": last})
    return out


def _vm_names(resources: dict[str, list[dict[str, Any]]]) -> list[str]:
    return sorted(
        {
            str((i.get("properties") or {}).get("friendlyName"))
            for i in resources["protectedItems"]
            if (i.get("properties") or {}).get("friendlyName")
        }
    )


def capture_vault(
    client: Any,
    subscription: str,
    resource_group: str,
    vault: str,
    *,
    jobs: int = 20,
    logs_client: Any = None,
    workspace: str | None = None,
    arm_endpoint: str = PUBLIC_ARM,
    advance: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """The capture (not sanitized yet) of one vault."""
    started = datetime.now(UTC)
    reader = VaultReader(client, resource_group, vault, advance)
    resources = reader.read(jobs)
    captured_at = reader.service_time or started
    workspace_part = None
    if workspace and logs_client is not None:
        try:
            beats = heartbeats(logs_client, workspace, _vm_names(resources))
        except Exception as error:  # the workspace is optional: say why it is missing
            from azure.core.exceptions import HttpResponseError

            if isinstance(error, HttpResponseError) and error.status_code in (401, 403):
                raise CaptureRefusedError(_rights_message("the workspace", vault, error)) from error
            raise
        workspace_part = {"id": workspace, "heartbeats": beats}
    api_version = getattr(getattr(client, "_config", None), "api_version", None)
    return {
        "format": FORMAT,
        "version": VERSION,
        "capturedAt": captured_at.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "sanitized": False,
        "source": {
            "endpoint": "public" if arm_endpoint.rstrip("/") == PUBLIC_ARM else "custom",
            "apiVersion": api_version,
            "sdk": "azure-mgmt-recoveryservicessiterecovery",
        },
        "vault": {"subscriptionId": subscription, "resourceGroup": resource_group, "name": vault},
        "resources": resources,
        "workspace": workspace_part,
        "counts": {k: len(v) for k, v in resources.items()},
    }


def _credential(kind: str) -> Any:
    if kind == "local":
        import time

        from azure.core.credentials import AccessToken

        class _Local:
            def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
                return AccessToken("local-simulator-token", int(time.time()) + 3600)

        return _Local()
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def run_capture(
    *,
    subscription: str,
    resource_group: str,
    vault: str,
    out: Path,
    arm_endpoint: str = PUBLIC_ARM,
    logs_endpoint: str | None = None,
    ca_bundle: str | None = None,
    workspace: str | None = None,
    jobs: int = 20,
    keep_names: bool = False,
    mapping: Path | None = None,
    credential: str = "default",
    show_progress: bool = True,
) -> dict[str, Any]:
    """Capture, sanitize and write ``out`` (and the mapping file); return a summary."""
    from azure.mgmt.recoveryservicessiterecovery import SiteRecoveryManagementClient

    cred = _credential(credential)
    verify: Any = ca_bundle or True
    client = SiteRecoveryManagementClient(
        cred, subscription, base_url=arm_endpoint, connection_verify=verify, polling_interval=1
    )
    logs_client = None
    if workspace:
        from azure.monitor.query import LogsQueryClient

        logs_client = LogsQueryClient(
            cred,
            endpoint=logs_endpoint
            or (arm_endpoint if arm_endpoint.rstrip("/") != PUBLIC_ARM else PUBLIC_LOGS),
            audience="https://api.loganalytics.io",
            connection_verify=verify,
        )
    progress = Progress(
        TextColumn("[bold]capture[/bold] {task.description:<40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not show_progress,
        transient=False,
    )
    with progress:
        task = progress.add_task("reading the vault", total=0)

        def advance(what: str, more: int) -> None:
            if more:
                progress.update(task, total=(progress.tasks[0].total or 0) + more)
            if what:
                progress.update(task, advance=1, description=what[:40])

        try:
            raw = capture_vault(
                client,
                subscription,
                resource_group,
                vault,
                jobs=jobs,
                logs_client=logs_client,
                workspace=workspace,
                arm_endpoint=arm_endpoint,
                advance=advance,
            )
        finally:
            client.close()
            if logs_client is not None:
                logs_client.close()
        progress.update(task, description="done", completed=progress.tasks[0].total)
    if keep_names:
        captured, names = strip_secrets(raw), dict[str, str]()
        captured["sanitized"] = False
    else:
        captured, names = sanitize(raw)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(captured, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    mapping_path = None
    if names:
        mapping_path = mapping or out.with_name(out.stem + ".mapping.json")
        mapping_path.write_text(json.dumps(names, indent=1) + "\n", encoding="utf-8")
        os.chmod(mapping_path, 0o600)
    return {
        "out": str(out),
        "bytes": out.stat().st_size,
        "counts": captured["counts"],
        "pseudonyms": len(names),
        "mapping": str(mapping_path) if mapping_path else None,
        "sanitized": captured["sanitized"],
    }


def capture(
    subscription: Annotated[str, typer.Option("--subscription", help="subscription id of the vault")],
    resource_group: Annotated[str, typer.Option("--resource-group", help="resource group of the vault")],
    vault: Annotated[str, typer.Option("--vault", help="Recovery Services vault name")],
    out: Annotated[Path, typer.Option("--out", help="capture file to write")] = Path("vault.json"),
    arm_endpoint: Annotated[
        str, typer.Option("--arm-endpoint", help="ARM endpoint (the simulator's, a sovereign cloud)")
    ] = PUBLIC_ARM,
    ca_bundle: Annotated[
        str | None, typer.Option("--ca-bundle", help="CA bundle to trust for the endpoint")
    ] = None,
    workspace: Annotated[
        str | None, typer.Option("--workspace", help="Log Analytics workspace id: capture heartbeats")
    ] = None,
    logs_endpoint: Annotated[
        str | None, typer.Option("--logs-endpoint", help="Log Analytics endpoint")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=0, max=500, help="newest jobs to read, with tasks")] = 20,
    keep_names: Annotated[
        bool, typer.Option("--keep-names", help="keep names, ids and addresses (inside the organisation)")
    ] = False,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="where the pseudonym mapping goes (kept private)")
    ] = None,
    credential: Annotated[
        str,
        typer.Option(
            "--credential",
            envvar="FAILBACK_CREDENTIAL",
            help="'default' (DefaultAzureCredential: az login, managed identity) or 'local' (simulator)",
        ),
    ] = "default",
) -> None:
    """Capture a vault read-only (GET/list), sanitized, to rehearse its failback locally."""
    try:
        summary = run_capture(
            subscription=subscription,
            resource_group=resource_group,
            vault=vault,
            out=out,
            arm_endpoint=arm_endpoint,
            logs_endpoint=logs_endpoint,
            ca_bundle=ca_bundle,
            workspace=workspace,
            jobs=jobs,
            keep_names=keep_names,
            mapping=mapping,
            credential="local" if credential == "local" else "default",
        )
    except CaptureRefusedError as refused:
        console.print(f"[red]capture refused:[/red] {refused}")
        raise typer.Exit(code=2) from refused
    counts = ", ".join(f"{v} {k}" for k, v in summary["counts"].items())
    console.print(f"[green]wrote[/green] {summary['out']} ({summary['bytes']} bytes): {counts}")
    if summary["mapping"]:
        console.print(
            f"pseudonym mapping ({summary['pseudonyms']} names) in {summary['mapping']} — keep it private, "
            "do not share it with the capture"
        )
    else:
        console.print(
            "[yellow]names kept (--keep-names): share this capture only inside the organisation[/yellow]"
        )
