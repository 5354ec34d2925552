"""``python -m cli report RUN --format json|html|csv|pdf`` and ``python -m cli verify-report FILE``.

``report`` downloads the sealed record of an ended run (``GET /api/failbacks/{id}/report``); ``pdf``
is the printable HTML printed by Chromium on this machine (``cli.pdf``).
``verify-report`` checks a JSON export offline, byte for byte: its canonical form, the hash chain
of its events, the head and the HMAC signature under the signing key (read from the environment
or a file, never from the command line, so it stays out of shell history).
Exit codes of ``verify-report``: 0 intact and signed by the key given, 1 not verified, 2 usage.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from cli.api import DEFAULT_BASE_URL, ApiError, FailbackApi
from cli.app import BaseUrl, Key, app, console
from cli.outcomes import API_ERROR_EXIT
from cli.pdf import PdfUnavailableError, html_to_pdf
from cli.render import tr
from domain.approvals_tokens import KeyRing
from domain.report_seal import verify_export

FORMATS = ("json", "html", "csv", "pdf")
NOT_VERIFIED_EXIT = 1
USAGE_EXIT = 2


@app.command("report")
def report(
    run_id: Annotated[str, typer.Argument(help="run id")],
    fmt: Annotated[
        str, typer.Option("--format", help="json (verifiable), html or pdf (printable), csv")
    ] = "json",
    out: Annotated[
        Path | None, typer.Option("--out", help="file to write (default RUN.report.FORMAT)")
    ] = None,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    key: Key = "",
) -> None:
    """Export the sealed report of an ended run."""
    if fmt not in FORMATS:
        console.print(tr("Unknown format") + f": {fmt} ({', '.join(FORMATS)})")
        raise typer.Exit(code=USAGE_EXIT)
    try:
        data, head = FailbackApi(base_url=base_url, key=key).report(run_id, "html" if fmt == "pdf" else fmt)
    except ApiError as exc:
        console.print(f"[red]{exc.status} {exc.title}[/red] {exc.detail}")
        for reason in exc.localized_errors:
            console.print(f"  • {reason}")
        raise typer.Exit(code=API_ERROR_EXIT) from exc
    if fmt == "pdf":
        try:
            data = html_to_pdf(data)
        except PdfUnavailableError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(code=USAGE_EXIT) from exc
    target = out or Path(f"{run_id}.report.{fmt}")
    target.write_bytes(data)
    console.print(tr("Report written to {path}").format(path=target))
    if head:
        console.print(tr("head sha256 {head}").format(head=head))


def _ring(key_env: str, key_file: Path | None) -> KeyRing | None:
    current = key_file.read_text().strip() if key_file else os.environ.get(key_env, "")
    previous = os.environ.get(f"{key_env}_PREVIOUS", "")
    try:
        return KeyRing.from_settings(current, previous)
    except ValueError:
        return None


@app.command("verify-report")
def verify_report(
    file: Annotated[Path, typer.Argument(help="a JSON export (python -m cli report RUN --format json)")],
    key_env: Annotated[
        str, typer.Option("--key-env", help="environment variable holding the signing key")
    ] = "APPROVAL_SIGNING_KEY",
    key_file: Annotated[Path | None, typer.Option("--key-file", help="file holding the signing key")] = None,
) -> None:
    """Check an exported report offline: every byte, the hash chain and the signature."""
    ring = _ring(key_env, key_file)
    if ring is None:
        console.print(tr("No signing key: set {name} or pass --key-file.").format(name=key_env))
        raise typer.Exit(code=USAGE_EXIT)
    if not file.is_file():
        console.print(tr("No such file: {path}").format(path=file))
        raise typer.Exit(code=USAGE_EXIT)
    verdict = verify_export(file.read_bytes(), ring)
    if verdict.ok:
        console.print(
            "[green]"
            + tr("Report intact and signed: {events} events, head {head}, key {key}").format(
                events=verdict.events, head=verdict.head, key=verdict.key_id
            )
            + "[/green]"
        )
        return
    console.print("[red]" + tr("Report NOT verified: it was edited or is not ours.") + "[/red]")
    for problem in verdict.problems:
        console.print(f"  • {problem}")
    raise typer.Exit(code=NOT_VERIFIED_EXIT)
