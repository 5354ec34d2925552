"""The retry policy of every SDK client: ARM 429/5xx retried, ``Retry-After`` honoured, bounded.

An activity must not sleep for minutes: when the service asks to wait longer than
``MAX_RETRY_AFTER_SECONDS`` (or the retries and their total time are used up) the error
surfaces at once, the activity raises ``[ARM_THROTTLED]``/``[ARM_UNAVAILABLE]`` with
the wait the service asked for, and the orchestrator waits on a durable timer instead.
"""

from __future__ import annotations

from typing import Any

from azure.core.pipeline import PipelineResponse
from azure.core.pipeline.policies import RetryPolicy

#: Retries of one call (after the first attempt).
RETRY_TOTAL = 4
#: Longest ``Retry-After`` slept inside an activity.
MAX_RETRY_AFTER_SECONDS = 20.0
#: Upper bound of one call including its retries and waits.
TOTAL_SECONDS = 90
BACKOFF_FACTOR = 0.5
BACKOFF_MAX_SECONDS = 8


class BoundedRetryPolicy(RetryPolicy):
    """azure-core's ``RetryPolicy`` with a cap on each ``Retry-After`` wait and on the total."""

    def __init__(self, *, max_retry_after: float = MAX_RETRY_AFTER_SECONDS, **kwargs: Any) -> None:
        kwargs.setdefault("retry_total", RETRY_TOTAL)
        kwargs.setdefault("retry_backoff_factor", BACKOFF_FACTOR)
        kwargs.setdefault("retry_backoff_max", BACKOFF_MAX_SECONDS)
        kwargs.setdefault("timeout", TOTAL_SECONDS)
        super().__init__(**kwargs)
        self.max_retry_after = max_retry_after

    def is_retry(self, settings: dict[str, Any], response: PipelineResponse[Any, Any]) -> bool:
        """Retry as azure-core does, except when the service asks for a longer wait than the cap."""
        retry_after = self.get_retry_after(response)
        if retry_after is not None and retry_after > self.max_retry_after:
            return False
        return bool(super().is_retry(settings, response))


def retry_policy() -> BoundedRetryPolicy:
    """A fresh policy for one client (policies keep no per-call state between calls)."""
    return BoundedRetryPolicy()
