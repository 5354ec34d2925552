"""The seed coverage matrix (``docs/seed-coverage.md``, issue 16) stays true to the code.

Every row names where the product handles one instruction of a seed article and the tests that
prove it. A row that names a rule, checklist item, phase, report key, function, page or test that
does not exist, a row without a home (``gap``) or without a test, and a seed whose rows dropped
below the recorded count all fail here. Rule ids and checklist items come from the code's own
registries (the rule functions and the checklist lists), test names from the test files' syntax
trees.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from domain import (
    approval_summary,
    phases,
    preflight,
    report,
    runs,
    vmware,
    vmware_checks,
    vmware_classic_rules,
    vmware_modernized_rules,
    vmware_rules,
)
from domain.request import parse_failback_request
from domain.run_names import Outcome
from function_app.approval_view import DEFAULT_CHECKLIST
from tests.unit.samples import NOW, request_body

ROOT = Path(__file__).resolve().parents[2]
MATRIX = ROOT / "docs" / "seed-coverage.md"
SEEDS = ("000", "001", "002")
#: Rows per seed when the matrix was last extended; a drop means an instruction lost its row.
MIN_ROWS = {"000": 46, "001": 39, "002": 101}
HOME_KINDS = ("rule", "checklist", "runbook", "report", "estimate", "code", "docs")


def matrix_rows() -> list[dict[str, str]]:
    """The matrix's data rows as ``{seed, section, excerpt, gloss, home, tests}``."""
    rows = []
    for line in MATRIX.read_text(encoding="utf-8").splitlines():
        if not re.match(r"^\| \d{3} \|", line):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 6, f"a matrix row has 6 columns: {line}"
        rows.append(dict(zip(("seed", "section", "excerpt", "gloss", "home", "tests"), cells, strict=True)))
    return rows


def rule_ids() -> set[str]:
    """Every pre-flight check id the domain's rules can report (Hyper-V and VMware)."""
    request = parse_failback_request(request_body())
    ids = {rule({}, {}, request, NOW)["id"] for rule in preflight.RULES}
    kw: dict[str, Any] = {"policy": None, "group": [], "now": NOW, "via_plan": False}
    ids |= {c["id"] for c in vmware_classic_rules.classic_rules({}, {}, [], {}, disks_in_run=0, **kw)}
    ids |= {c["id"] for c in vmware_modernized_rules.modernized_rules({}, {}, {}, **kw)}
    ids |= {c["id"] for c in vmware_rules.group_rules({"replicationGroup": "g"}, [], via_plan=False)}
    seed = vmware_checks.vcenter_rules([], {}, {}, {"runAsAccountId": "a"}, location="alternate")
    return ids | {c["id"] for c in seed}


def checklist_ids() -> set[str]:
    """Every item an approver can be asked to attest."""
    lists = [approval_summary.HYPERV_CHECKLIST, vmware.CHECKLIST, vmware.MODERNIZED_CHECKLIST]
    lists += [DEFAULT_CHECKLIST, *[getattr(approval_summary, n) for n in _extra_lists(approval_summary)]]
    lists += [getattr(vmware, n) for n in _extra_lists(vmware)]
    return {str(item["id"]) for items in lists for item in items}


def _extra_lists(module: Any) -> list[str]:
    return [n for n in dir(module) if n.endswith("_CHECKLIST") and isinstance(getattr(module, n), list)]


def report_keys() -> set[str]:
    """Keys of the run's report."""
    return set(report.build_report(run_id="r", request={}, outcome=Outcome.SUCCEEDED, timeline=[]))


def estimate_keys() -> set[str]:
    """Keys of the downtime estimate."""
    return set(runs.estimate_downtime(100.0, "before-failover"))


def _defined_tests(path: str) -> set[str]:
    """The test functions a file defines (module level and in classes), from its syntax tree."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    }


def code_exists(dotted: str) -> bool:
    """Whether ``package.module.name`` imports and names something."""
    module, _, name = dotted.rpartition(".")
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


ROWS = matrix_rows()


def test_every_seed_has_its_rows_and_none_dropped() -> None:
    counts = Counter(r["seed"] for r in ROWS)
    assert set(counts) == set(SEEDS), counts
    for seed in SEEDS:
        assert counts[seed] >= MIN_ROWS[seed], f"seed {seed}: {counts[seed]} rows, was {MIN_ROWS[seed]}"


def test_every_row_quotes_its_seed_sentence() -> None:
    texts = {
        seed: next(ROOT.parent.joinpath("shared", "seeds").glob(f"{seed}_*.txt")).read_text(encoding="utf-8")
        if ROOT.parent.joinpath("shared", "seeds").is_dir()
        else None
        for seed in SEEDS
    }
    for row in ROWS:
        assert row["section"] and row["gloss"], row
        assert 0 < len(row["excerpt"]) <= 60, f"keep excerpts short: {row['excerpt']}"
        text = texts[row["seed"]]
        if text is not None:  # the seeds sit next to the repo on the dev machine
            assert row["excerpt"].replace('\\"', '"') in text, f"not in seed {row['seed']}: {row['excerpt']}"


def test_no_row_is_a_gap_and_every_row_has_a_test() -> None:
    gaps = [f"{r['seed']} {r['section']}: {r['excerpt']}" for r in ROWS if r["home"].strip() in ("", "gap")]
    assert gaps == [], "instructions with no home in the product:\n" + "\n".join(gaps)
    untested = [f"{r['seed']} {r['section']}: {r['excerpt']}" for r in ROWS if not r["tests"].strip()]
    assert untested == [], "rows with no test:\n" + "\n".join(untested)


def test_every_home_names_something_that_exists() -> None:
    known = {
        "rule": rule_ids(),
        "checklist": checklist_ids(),
        "runbook": set(phases.DESCRIPTIONS),
        "report": report_keys(),
        "estimate": estimate_keys(),
    }
    wrong = []
    for row in ROWS:
        if row["home"] == "gap":
            continue
        for home in (h.strip() for h in row["home"].split(";")):
            kind, _, value = home.partition(":")
            if kind not in HOME_KINDS or not value:
                wrong.append(f"{home!r}: not a kind of home ({', '.join(HOME_KINDS)})")
            elif kind == "code":
                if not code_exists(value):
                    wrong.append(f"{home!r}: no such function or constant")
            elif kind == "docs":
                if not (ROOT / value).is_file():
                    wrong.append(f"{home!r}: no such page")
            elif value not in known[kind]:
                wrong.append(f"{home!r}: no such {kind} (known: {sorted(known[kind])})")
    assert wrong == [], "\n".join(wrong)


def test_every_test_named_exists() -> None:
    cache: dict[str, set[str]] = {}
    wrong = []
    for row in ROWS:
        for ref in filter(None, (t.strip() for t in row["tests"].split(";"))):
            path, _, name = ref.partition("::")
            if not (ROOT / path).is_file():
                wrong.append(f"{ref}: no such file")
                continue
            if name not in cache.setdefault(path, _defined_tests(path)):
                wrong.append(f"{ref}: no such test")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("home", ["rule:NOPE", "checklist:nope", "runbook:nope", "code:domain.nope.x"])
def test_a_home_that_does_not_exist_is_caught(home: str) -> None:
    """The checker itself: an invented name is refused, a real one accepted."""
    kind, _, value = home.partition(":")
    known = {"rule": rule_ids(), "checklist": checklist_ids(), "runbook": set(phases.DESCRIPTIONS)}
    found = code_exists(value) if kind == "code" else value in known[kind]
    assert not found
    assert "H2a" in known["rule"] and "V3-cs" in known["rule"] and "V3-network" in known["checklist"]
    assert "test_H2a_storage_account_disks_fail_with_evidence" in _defined_tests(
        "tests/unit/test_preflight.py"
    )
