"""The activities that serve waiting runs from vault-level reads, so ARM reads do not grow with VMs.

Waves of hundreds of VMs would otherwise GET every job (and item) on every poll and hit ARM's read
limit (12,000 reads/hour per principal). Instead the waiting sub-orchestrations poll on a common
grid (``orchestrators.job_wait`` with ``shared``) and these activities serve each poll from ONE
vault-level read per tick, cached in the worker process (``activities.tick_cache``):

- ``get_job_shared``: a job from the tick's job scan (``activities.shared_jobs``);
- ``get_item_shared``: an item from the tick's item list (``activities.shared_items``);
- ``preflight_shared``: the Hyper-V pre-flight with the vault's lists read once per tick
  (``activities.shared_preflight``).

A wave's writes read their item or job from the grid point's lists too (``activities.write_reads``).
Several workers (scale-out) each read once per tick: reads grow with instances, not VMs.
"""

from __future__ import annotations

import azure.durable_functions as df

from activities.shared_items import shared_item
from activities.shared_jobs import shared_job
from activities.shared_preflight import shared_preflight

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
def get_job_shared(payload: dict) -> dict:
    """A job's snapshot from the vault-level job list of this tick."""
    return dict(shared_job(payload))


@bp.activity_trigger(input_name="payload")
def get_item_shared(payload: dict) -> dict:
    """An item's facts from the vault-level item list of this tick."""
    return dict(shared_item(payload))


@bp.activity_trigger(input_name="payload")
def preflight_shared(payload: dict) -> dict:
    """Hyper-V pre-flight with vault-level reads shared by every VM of a wave."""
    return dict(shared_preflight(payload))
