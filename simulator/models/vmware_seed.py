"""Scenario hook of the VMware models (``simulator.scenarios`` calls ``seed_scenario`` of every model).

A module of its own so that the item modules can be imported in any order: the scenarios it
registers import all of them.
"""

from __future__ import annotations

from typing import Any


def seed_scenario(world: Any, scenario: str) -> None:
    """Add the VMware items and the recovery plans to the world of ``scenario``."""
    from simulator import scenarios_vmware

    scenarios_vmware.seed(world, scenario)


def _register_scenarios() -> None:
    from simulator import scenarios_vmware

    scenarios_vmware.register()


_register_scenarios()
