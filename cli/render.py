"""Rich rendering of a run's status."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from cli.outcomes import outcome_of


def run_panel(view: dict[str, Any]) -> Panel:
    """One panel: status, phase/step, ASR task with a progress bar, waiting-for, last events."""
    shown = outcome_of(view)
    head = Text.assemble(
        (shown.label, shown.style) if shown else ("running", "cyan"),
        f"  phase {view.get('phase') or '-'}",
        f"  · {view.get('step')}" if view.get("step") else "",
    )
    parts: list[Any] = [head]
    progress = view.get("progress") or {}
    if progress:
        percent = progress.get("percent")
        eta = progress.get("etaSeconds")
        line = f"{progress.get('task') or 'ASR job'}"
        line += f"  {percent} %" if percent is not None else ""
        line += f"  ~{int(eta) // 60} min left" if eta else ""
        parts.append(Text(line))
        if percent is not None:
            parts.append(ProgressBar(total=100, completed=float(percent), width=40))
    if view.get("awaiting"):
        parts.append(Text(f"waiting for: {view['awaiting']}", style="bold yellow"))
    if view.get("message"):
        parts.append(Text(str(view["message"])))
    timeline = view.get("timeline") or []
    if timeline:
        table = Table("at", "phase", "event", box=None, show_header=False)
        for e in timeline[-5:]:
            table.add_row(str(e.get("at", ""))[:19], str(e.get("phase", "")), str(e.get("event", "")))
        parts.append(table)
    border = shown.style.replace("bold ", "") if shown else "cyan"
    return Panel(Group(*parts), title=str(view.get("id") or ""), expand=False, border_style=border)
