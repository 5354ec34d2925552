"""Rich rendering of a run's status, in the language chosen with ``--lang`` / ``FAILBACK_LANGUAGE``."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from cli.outcomes import OutcomeView, outcome_of
from domain import i18n

#: The language of everything the CLI prints (set by ``cli.app``'s ``--lang``).
LANG = {"value": i18n.configured_language()}


def set_language(lang: str | None) -> str:
    """Choose the CLI's language (``en`` or ``ja``); unknown values keep the setting's."""
    LANG["value"] = i18n.normalize(lang) or i18n.configured_language()
    return LANG["value"]


def tr(message: str) -> str:
    """Translate one catalog id into the CLI's language."""
    return i18n.gettext_for(LANG["value"])(message)


def outcome_label(shown: OutcomeView | None) -> Text:
    """The outcome as coloured text (``running`` while it runs)."""
    return Text(tr(shown.label), style=shown.style) if shown else Text(tr("running"), style="cyan")


def run_panel(view: dict[str, Any]) -> Panel:
    """One panel: status, phase/step, ASR task with a progress bar, waiting-for, last events."""
    shown = outcome_of(view)
    head = Text.assemble(
        outcome_label(shown),
        "  " + tr("phase {phase}").format(phase=view.get("phase") or "-"),
        f"  · {view.get('step')}" if view.get("step") else "",
    )
    parts: list[Any] = [head]
    progress = view.get("progress") or {}
    if progress:
        percent = progress.get("percent")
        eta = progress.get("etaSeconds")
        line = f"{progress.get('task') or tr('ASR job')}"
        line += f"  {percent} %" if percent is not None else ""
        line += (
            "  " + tr("about {minutes} left").format(minutes=i18n.format_minutes(eta, LANG["value"]))
            if eta
            else ""
        )
        parts.append(Text(line))
        if percent is not None:
            parts.append(ProgressBar(total=100, completed=float(percent), width=40))
    if view.get("awaiting"):
        parts.append(Text(tr("Waiting for: {what}").format(what=view["awaiting"]), style="bold yellow"))
    if view.get("message"):
        parts.append(Text(str(view["message"])))
    timeline = view.get("timeline") or []
    if timeline:
        table = Table("at", "phase", "event", box=None, show_header=False)
        for e in timeline[-5:]:
            when = i18n.format_when(e.get("at"), LANG["value"])
            table.add_row(when, str(e.get("phase", "")), str(e.get("event", "")))
        parts.append(table)
    border = shown.style.replace("bold ", "") if shown else "cyan"
    return Panel(Group(*parts), title=str(view.get("id") or ""), expand=False, border_style=border)
