"""Fixtures of the infra checks: the parsed template and one checkov run, shared by the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.bicep_model import Template
from tests.infra.checkov_runner import CheckovReport, run_checkov

INFRA = Path(__file__).resolve().parents[2] / "infra"


@pytest.fixture(scope="session")
def template() -> Template:
    return Template(INFRA / "main.bicep")


@pytest.fixture(scope="session")
def checkov_report() -> CheckovReport:
    return run_checkov(INFRA)
