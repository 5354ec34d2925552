"""Helpers of the variants' end-to-end tests: approve like a person who ticks the checklist."""

from __future__ import annotations

import re
from typing import Any

from scripts.failback_stack import FailbackStack

_ATTEST = re.compile(r'name="attest" value="([^"]+)"')


def approve(
    stack: FailbackStack, run_id: str, gate: str = "switchover", decision: str = "approve"
) -> list[str]:
    """Open the newest approval link of ``gate``, tick every checklist item shown, submit; the items."""
    stack.drive(lambda: bool(stack.approval_links(run_id, gate)), timeout=60)
    link = stack.approval_links(run_id, gate)[0]
    page = stack.http.get(link, timeout=30)
    page.raise_for_status()
    attested = _ATTEST.findall(page.text)
    form = {"token": link.rsplit("/", 1)[-1], "decision": decision, "comment": "ok", "attest": attested}
    response = stack.http.post(link, data=form, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return attested


def approve_and_finish(stack: FailbackStack, run_id: str, timeout: float = 120) -> dict[str, Any]:
    """Drive to the approval, approve with the checklist ticked, drive to the end; the report."""
    stack.drive_to(run_id, awaiting="approval", timeout=timeout)
    approve(stack, run_id)
    return stack.finish(run_id, timeout=timeout)
