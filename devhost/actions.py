"""Reading the orchestrator's action list (replay schema V2/V3): leaves, kinds and names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CALL_ACTIVITY = 0
CALL_ACTIVITY_RETRY = 1
CALL_SUB = 2
CALL_SUB_RETRY = 3
CONTINUE_AS_NEW = 4
CREATE_TIMER = 5
WAIT_EVENT = 6
CALL_ENTITY = 7
CALL_HTTP = 8
SIGNAL_ENTITY = 9
WHEN_ANY = 11
WHEN_ALL = 12

HTTP_ACTIVITY = "BuiltIn::HttpActivity"

# What DTFx compares when it replays a scheduling event (§2.5): the kind and the name.
KIND_BY_TYPE = {
    CALL_ACTIVITY: "activity",
    CALL_ACTIVITY_RETRY: "activity",
    CALL_HTTP: "activity",
    CALL_SUB: "suborchestration",
    CALL_SUB_RETRY: "suborchestration",
    CREATE_TIMER: "timer",
    CALL_ENTITY: "event",
    SIGNAL_ENTITY: "event",
    WAIT_EVENT: "wait",
    CONTINUE_AS_NEW: "continue",
}


@dataclass
class Leaf:
    """One non-compound action, in the order the C# shim issues them."""

    action: dict[str, Any]
    type: int
    kind: str
    name: str

    @property
    def consumes_id(self) -> bool:
        """Whether DTFx gives this action a sequence number."""
        return self.kind in ("activity", "suborchestration", "timer", "event")


def leaf_name(action: dict[str, Any]) -> str:
    """The name DTFx compares for an action."""
    atype = int(action.get("actionType", -1))
    if atype == CALL_HTTP:
        return HTTP_ACTIVITY
    if atype == WAIT_EVENT:
        return str(action.get("externalEventName") or "")
    if atype in (CALL_ENTITY, SIGNAL_ENTITY):
        return "op"
    return str(action.get("functionName") or "")


def flatten(actions: list[Any]) -> list[Leaf]:
    """Depth-first leaves of a V2/V3 action list (``[[a1, a2, …]]``)."""
    out: list[Leaf] = []

    def visit(action: dict[str, Any]) -> None:
        atype = int(action.get("actionType", -1))
        if atype in (WHEN_ANY, WHEN_ALL):
            for child in action.get("compoundActions") or []:
                visit(child)
            return
        out.append(Leaf(action, atype, KIND_BY_TYPE.get(atype, "unknown"), leaf_name(action)))

    for group in actions or []:
        items = group if isinstance(group, list) else [group]
        for action in items:
            visit(action)
    return out


def top_level(actions: list[Any]) -> list[dict[str, Any]]:
    """The top-level actions (one per ``yield``)."""
    out: list[dict[str, Any]] = []
    for group in actions or []:
        out.extend(group if isinstance(group, list) else [group])
    return out


def describe(kind: str) -> str:
    """Human wording DTFx uses for a scheduled task kind."""
    return {
        "activity": "an activity task",
        "suborchestration": "a sub-orchestration",
        "timer": "a durable timer",
        "event": "an event",
    }.get(kind, "a task")
