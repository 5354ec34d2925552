"""axe-core in the browser tests (issue 13): the engine comes from PyPI (``axe-playwright-python``).

The package ships axe-core's ``axe.min.js``; nothing of axe-core is committed here. Every rule of
axe's WCAG 2.0/2.1 A and AA sets plus its best practices (landmarks, one main, headings) is run.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
_AXE = Axe()


def violations(page: Any) -> list[dict[str, Any]]:
    """The page's axe violations, each ``{id, impact, nodes: [target…], help}``."""
    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
    found = _AXE.run(page, options=options).response["violations"]
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [", ".join(map(str, n["target"])) for n in v["nodes"]],
        }
        for v in found
    ]


def describe(found: list[dict[str, Any]]) -> str:
    """One line per violation, for an assertion message a person can act on."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} → {v['nodes'][:5]}" for v in found)
