"""What a gate did with a decision, read from its state: the approval page's answer to a raced POST.

A gate takes the first decision that closes it (a link used once, a veto, the quorum) and ignores
the rest; the page tells each person which (issue 12, part 2).
"""

from __future__ import annotations

from domain.approvals_tokens import TokenClaims
from function_app.approval_view import GateView


def closed_decision(gate: GateView) -> str | None:
    """What a closed gate decided (its result, or while it finishes, the decisions it took); else None."""
    if gate.open or not gate.exists:
        return None
    if gate.output.get("decision"):
        return str(gate.output["decision"])
    taken = {str(d.get("decision")) for d in gate.status.get("decided") or []}
    for decision in ("cancelled", "rejected", "approved"):  # a veto wins, as in GateState.outcome
        if decision in taken:
            return decision
    return None


def gate_verdict(gate: GateView, claims: TokenClaims, who: str, decision: str) -> tuple[str, str] | None:
    """What the gate did with this decision, once it shows: ``(kind, gate's decision)``, else None.

    ``kind`` is ``taken`` (the gate counted this person's decision; the gate's decision is its outcome
    so far, ``""`` while it waits for more approvals) or ``superseded`` (the gate decided otherwise —
    another decision on this link or by someone else came first, or it closed — and did not count it).
    """
    decided = gate.status.get("decided") or []
    output = gate.output
    for d in output.get("decisions") or decided:
        if d.get("accepted", True) and d.get("nonce") == claims.nonce:
            mine = d.get("by") == who.strip().lower() and d.get("decision") == decision
            if mine:
                return "taken", str(output.get("decision") or ("" if gate.open else decision))
            return "superseded", str(d.get("decision"))
    if not gate.open:
        return "superseded", closed_decision(gate) or "closed"
    return None
