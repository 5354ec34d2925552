"""Every module a document names exists: docs say what the code is (issue 11, "every document true again").

A backticked ``something.py`` (a path from the repo root, a path inside a package such as
``runbook/report.py``, or a bare file name) must be a file of the repo, and a backticked dotted
path starting with one of the project's packages (``function_app.run_start.start_run``) must name
a module, and the name after it must be defined at the top level of that module (imports do not
count: the document should name where a thing lives). The first column of a table headed
``before`` lists what a change replaced and is not checked.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
PACKAGES = {p.parent.name for p in ROOT.glob("*/__init__.py")} | {"scripts", "bench"}
#: file names that documents use as examples of any app, not as files of this repo
EXAMPLES = {"models.py"}
SPAN = re.compile(r"`([^`\n]+)`")
PY_PATH = re.compile(r"(?<![\w./-])([\w./-]*\w\.py)\b")
DOTTED = re.compile(r"(?<![\w./-])([a-z_][a-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


@cache
def _files() -> tuple[str, ...]:
    skip = {".venv", ".git", "node_modules"}
    return tuple(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py") if not skip & set(p.parts))


def _module_file(parts: list[str]) -> Path | None:
    base = ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _defined(path: Path) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return frozenset(names)


def _checked_text(doc: Path) -> str:
    """The document without the first cell of rows of tables headed ``before`` (history)."""
    out, history = [], False
    for line in doc.read_text().splitlines():
        if line.startswith("|"):
            cells = line.split("|")
            if cells[1].strip().lower().startswith("before"):
                history = True
            elif history and len(cells) > 2:
                line = "|".join(["", "", *cells[2:]])
        else:
            history = False
        out.append(line)
    return "\n".join(out)


def _path_exists(path: str) -> bool:
    return path in EXAMPLES or any(f == path or f.endswith("/" + path) for f in _files())


def _dotted_exists(dotted: str) -> bool:
    parts = dotted.split(".")
    n = len(parts)
    while n and _module_file(parts[:n]) is None:
        n -= 1
    if n == 0:
        return False
    rest = parts[n:]
    return not rest or rest[0] in _defined(_module_file(parts[:n]))  # type: ignore[arg-type]


def missing(doc: Path) -> list[str]:
    """The module paths ``doc`` names in backticks that the repo does not have."""
    gone = []
    for span in SPAN.findall(_checked_text(doc)):
        gone += [p for p in PY_PATH.findall(span) if not _path_exists(p)]
        gone += [
            d
            for d in DOTTED.findall(span)
            if d.split(".")[0] in PACKAGES and not d.endswith(".py") and not _dotted_exists(d)
        ]
    return gone


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_module_a_document_names_exists(doc: Path) -> None:
    """A document naming a module that moved or went sends its reader nowhere."""
    assert missing(doc) == []


def test_the_check_finds_a_module_that_is_gone(tmp_path: Path) -> None:
    """The check itself: names that do not exist are reported, existing ones are not."""
    doc = tmp_path / "x.md"
    doc.write_text(
        "`domain/run_identity.py`, `function_app.failbacks.start_run`, `domain.nothing_here`\n"
        "`function_app/run_start.py`, `function_app.run_start.start_run`, `runbook/report.py`\n"
        "| before | after |\n| --- | --- |\n| `orchestrators/run_state.py` | `runbook/state.py` |\n"
    )
    assert missing(doc) == [
        "domain/run_identity.py",
        "function_app.failbacks.start_run",
        "domain.nothing_here",
    ]
