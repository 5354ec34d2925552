"""Replay edge cases of the JSON protocol, without a host (issue 2 point 3; reference §1-3; W5).

Each test feeds a hand-built history to an orchestrator ``handle`` exactly as the real
host would, and asserts the reply the host has to act on. These pin the SDK behaviours
``devhost`` depends on: double-encoded payloads, retry history shape, timers that outlive
``isDone`` and the early-event bug (durable-python #507).
"""

import json
from datetime import timedelta

import azure.durable_functions as df
import pytest

from tests.devhost.conformance import history as h


def _run(fn, history: list[dict], input_text: str | None = None, **extra) -> dict:
    handle = df.Orchestrator.create(fn)
    return json.loads(handle(h.context_json(history, input_text, **extra)))


def seq(context: df.DurableOrchestrationContext):
    tokyo = yield context.call_activity("hello", "Tokyo")
    seattle = yield context.call_activity("hello", {"city": "Seattle"})
    return [tokyo, seattle]


def test_chaining_second_episode_replays_first_action_and_adds_second():
    """Reference §1.7: all actions since the start, one V3 list, the new leaf last."""
    history = [
        h.started(0),
        h.execution_started("seq", '"{\\"k\\": 1}"'),
        h.task_scheduled(0, 0, "hello"),
        h.completed(0),
        h.started(5),
        h.task_completed(0, 5, "Hello Tokyo"),
    ]
    reply = _run(seq, history, '"{\\"k\\": 1}"')
    assert reply["isDone"] is False
    assert reply["schemaVersion"] == 2
    assert reply["actions"] == [
        [
            {"actionType": h.CALL_ACTIVITY, "functionName": "hello", "input": '"Tokyo"'},
            {"actionType": h.CALL_ACTIVITY, "functionName": "hello", "input": '{"city": "Seattle"}'},
        ]
    ]


def test_missing_upper_schema_version_falls_back_to_v1_lists_per_yield():
    """A host that omits upperSchemaVersion gets the V1 reply: one inner list per yield."""
    history = h.first_episode("seq", h.task_scheduled(0, 0, "hello"))
    history += [h.started(5), h.task_completed(0, 5, "Hello Tokyo")]
    handle = df.Orchestrator.create(seq)
    body = json.loads(h.context_json(history))
    for key in ("upperSchemaVersion", "upperSchemaVersionNew"):
        del body[key]
    reply = json.loads(handle(json.dumps(body)))
    assert "schemaVersion" not in reply
    assert [len(group) for group in reply["actions"]] == [1, 1]


def wait_approval(context: df.DurableOrchestrationContext):
    value = yield context.wait_for_external_event("Approval")
    return {"value": value, "type": type(value).__name__}


@pytest.mark.parametrize(
    ("stored_input", "expected"),
    [
        # client.raise_event(id, "Approval", {"ok": True}) double-encodes: the SDK hands over a str.
        ('"{\\"ok\\": true}"', '{"ok": true}'),
        # A raw JSON body POSTed to sendEventPostUri is stored as is: the SDK hands over a dict.
        ('{"ok":true}', {"ok": True}),
        # client.raise_event(id, "Approval") without data: the string 'null'.
        ('"null"', "null"),
    ],
)
def test_event_payload_reaches_user_code_with_the_real_double_encoding(stored_input, expected):
    """Reference §3.1 / issue #295: the host must store event bodies verbatim, never 'fix' them."""
    history = [h.started(0), h.execution_started("wait_approval", None), h.completed(0)]
    history += [h.started(5), h.event_raised("Approval", 5, stored_input)]
    reply = _run(wait_approval, history)
    assert reply["isDone"] is True
    assert reply["output"] == {"value": expected, "type": type(expected).__name__}


def test_event_name_is_matched_case_sensitively():
    """Reference §3.2: 'approval' does not satisfy wait_for_external_event('Approval')."""
    history = [h.started(0), h.execution_started("wait_approval", None), h.completed(0)]
    history += [h.started(5), h.event_raised("approval", 5, '"yes"')]
    reply = _run(wait_approval, history)
    assert reply["isDone"] is False


def retry_always(context: df.DurableOrchestrationContext):
    try:
        yield context.call_activity_with_retry("always_fail", df.RetryOptions(1000, 2), "x")
    except Exception as exc:
        return str(exc)
    return "unexpected success"


def _retry_history(final_timer_fired: bool) -> list[dict]:
    """Two failed attempts, with the retry timer and the final 'dummy' timer (reference §3.4)."""
    events = [h.started(0), h.execution_started("retry_always", None), h.task_scheduled(0, 0, "always_fail")]
    events += [h.completed(0), h.started(1), h.task_failed(0, 1, "attempt 1 failed", "d1")]
    events += [h.timer_created(1, 1, 2), h.completed(1), h.started(2), h.timer_fired(1, 2, 2)]
    events += [h.task_scheduled(2, 2, "always_fail"), h.completed(2), h.started(3)]
    events += [h.task_failed(2, 3, "attempt 2 failed", "d2"), h.timer_created(3, 3, 3), h.completed(3)]
    if final_timer_fired:
        events += [h.started(3), h.timer_fired(3, 3, 3)]
    return events


def test_retry_is_one_when_all_with_a_retry_action_carrying_the_options():
    """Reference §2.2: every *_with_retry call is a WhenAll of one CallActivityWithRetry."""
    reply = _run(retry_always, [h.started(0), h.execution_started("retry_always", None)])
    assert reply["isDone"] is False
    (action,) = reply["actions"][0]
    assert action["actionType"] == h.WHEN_ALL
    (leaf,) = action["compoundActions"]
    assert leaf["actionType"] == h.CALL_ACTIVITY_WITH_RETRY
    assert leaf["functionName"] == "always_fail"
    assert leaf["retryOptions"] == {"firstRetryIntervalInMilliseconds": 1000, "maxNumberOfAttempts": 2}


def test_last_retry_failure_reaches_user_code_only_after_the_final_timer_fires():
    """Reference §3.4: TaskFailed(last) then TimerCreated; the failure surfaces at TimerFired."""
    waiting = _run(retry_always, _retry_history(final_timer_fired=False))
    assert waiting["isDone"] is False
    done = _run(retry_always, _retry_history(final_timer_fired=True))
    assert done["isDone"] is True
    assert done["output"] == "attempt 2 failed \n d2"


def test_successful_second_attempt_returns_its_value_without_more_timers():
    def retry_value(context: df.DurableOrchestrationContext):
        return (yield context.call_activity_with_retry("flaky", df.RetryOptions(1000, 3), "x"))

    events = _retry_history(final_timer_fired=False)[:10]  # attempt 2 scheduled
    events += [h.completed(2), h.started(3), h.task_completed(2, 3, "second time lucky")]
    reply = _run(retry_value, events)
    assert reply["isDone"] is True
    assert reply["output"] == "second time lucky"


def race(cancel: bool):
    def orchestrator(context: df.DurableOrchestrationContext):
        timer = context.create_timer(context.current_utc_datetime + timedelta(hours=1))
        approval = context.wait_for_external_event("Approval")
        winner = yield context.task_any([timer, approval])
        if winner == approval and cancel:
            timer.cancel()
        return "approved" if winner == approval else "timeout"

    return orchestrator


def _race_history() -> list[dict]:
    events = h.first_episode("race", h.timer_created(0, 0, 3600))
    return [*events, h.started(60), h.event_raised("Approval", 60, '{"ok":true}')]


@pytest.mark.parametrize("cancel", [True, False])
def test_timer_outlives_is_done_unless_cancelled(cancel):
    """Reference §2.6: isDone is true either way; only isCanceled tells the host it may complete."""
    reply = _run(race(cancel), _race_history())
    assert reply["isDone"] is True
    assert reply["output"] == "approved"
    (when_any,) = reply["actions"][0]
    assert when_any["actionType"] == h.WHEN_ANY
    timer = next(a for a in h.leaves([when_any]) if a["actionType"] == h.CREATE_TIMER)
    assert timer["isCanceled"] is cancel
    assert timer["fireAt"] == "2024-01-01T01:00:00.000000Z"


def two_waits(context: df.DurableOrchestrationContext):
    yield context.call_activity("slow", 1)
    first = yield context.wait_for_external_event("E")
    second = yield context.wait_for_external_event("E")
    return [first, second]


def test_one_early_event_satisfies_both_later_waits_in_the_sdk():
    """Durable-python #507: the parked event is never cleared; the SDK says done with ['x', 'x']."""
    events = h.first_episode("two_waits", h.task_scheduled(0, 0, "slow"))
    events += [h.started(1), h.event_raised("E", 1, '"x"'), h.completed(1), h.started(2)]
    events += [h.task_completed(0, 2, "slept")]
    reply = _run(two_waits, events)
    assert reply["isDone"] is True
    assert reply["output"] == ["x", "x"]
    # Two wait actions: the C# side can satisfy only one with the single EventRaised.
    waits = [a for a in h.leaves(reply["actions"][0]) if a["actionType"] == h.WAIT_FOR_EXTERNAL_EVENT]
    assert len(waits) == 2


def test_two_early_events_keep_only_the_last_payload():
    events = h.first_episode("two_waits", h.task_scheduled(0, 0, "slow"))
    events += [h.started(1), h.event_raised("E", 1, '"x"'), h.event_raised("E", 1, '"y"'), h.completed(1)]
    events += [h.started(2), h.task_completed(0, 2, "slept")]
    assert _run(two_waits, events)["output"] == ["y", "y"]


def fan(context: df.DurableOrchestrationContext):
    results = yield context.task_all([context.call_activity("echo", v) for v in ("a", "b", "c")])
    return results


def test_fan_in_returns_results_in_yield_order_whatever_the_completion_order():
    """Reference §7.2: ids 0,1,2 in list order; completions 2,0 then 1."""
    events = [h.started(0), h.execution_started("fan", None)]
    events += [h.task_scheduled(i, 0, "echo") for i in range(3)] + [h.completed(0)]
    events += [h.started(1), h.task_completed(2, 1, "c"), h.task_completed(0, 1, "a"), h.completed(1)]
    partial = _run(fan, events)
    assert partial["isDone"] is False
    (when_all,) = partial["actions"][0]
    assert when_all["actionType"] == h.WHEN_ALL
    assert [a["input"] for a in when_all["compoundActions"]] == ['"a"', '"b"', '"c"']
    done = _run(fan, [*events, h.started(2), h.task_completed(1, 2, "b")])
    assert done["isDone"] is True
    assert done["output"] == ["a", "b", "c"]


def parent(context: df.DurableOrchestrationContext):
    try:
        yield context.call_sub_orchestrator("kid", None)
    except Exception as exc:
        return str(exc)
    return "unexpected success"


def test_sub_orchestration_failure_reason_is_what_the_parent_sees():
    """Reference §3.5: Reason is the child's failure output."""
    reason = "Orchestrator function 'kid' failed: boom"
    events = h.first_episode("parent", h.sub_created(0, 0, "kid", "e1:0"))
    events += [h.started(1), h.sub_failed(0, 1, reason, "")]
    reply = _run(parent, events)
    assert reply["output"].startswith(reason)
    (leaf,) = reply["actions"][0]
    assert leaf["actionType"] == h.CALL_SUB_ORCHESTRATOR
    assert leaf["instanceId"] is None


def test_orchestrator_exception_carries_the_state_after_the_out_of_proc_label():
    """Reference §2.1: the handle raises; the host parses the JSON after '$OutOfProcData$:'."""

    def kaboom(context: df.DurableOrchestrationContext):
        yield context.call_activity("fine", "first")
        raise ValueError("kaboom")

    events = h.first_episode("kaboom", h.task_scheduled(0, 0, "fine"))
    events += [h.started(1), h.task_completed(0, 1, "fine first")]
    handle = df.Orchestrator.create(kaboom)
    with pytest.raises(Exception, match="kaboom") as raised:
        handle(h.context_json(events))
    state = json.loads(str(raised.value).split("$OutOfProcData$:", 1)[1])
    assert state["error"] == "kaboom"
    assert state["actions"][0][0]["functionName"] == "fine"


def test_continue_as_new_is_done_without_output_and_carries_json_text_input():
    def counter(context: df.DurableOrchestrationContext):
        n = context.get_input() or 0
        yield context.create_timer(context.current_utc_datetime + timedelta(minutes=1))
        context.continue_as_new(n + 1)

    events = [h.started(0), h.execution_started("counter", "1"), h.timer_created(0, 0, 60), h.completed(0)]
    events += [h.started(60), h.timer_fired(0, 60, 60)]
    reply = _run(counter, events, "1")
    assert reply["isDone"] is True
    assert "output" not in reply
    assert reply["actions"][0][-1] == {"actionType": h.CONTINUE_AS_NEW, "input": "2"}


@pytest.mark.parametrize("falsy", [0, "", [], {}, False])
def test_falsy_custom_status_is_never_sent(falsy):
    """Reference §2.1: a host cannot report a falsy custom status because the SDK omits it."""

    def status(context: df.DurableOrchestrationContext):
        context.set_custom_status(falsy)
        yield context.wait_for_external_event("never")

    reply = _run(status, [h.started(0), h.execution_started("status", None)])
    assert "customStatus" not in reply


def test_current_utc_datetime_follows_the_episode_that_delivered_the_result():
    """Reference §1.6: code after a yield sees the start time of the delivering episode."""

    def clock(context: df.DurableOrchestrationContext):
        before = context.current_utc_datetime.isoformat()
        yield context.call_activity("noop", None)
        return [before, context.current_utc_datetime.isoformat()]

    events = h.first_episode("clock", h.task_scheduled(0, 0, "noop"))
    events += [h.started(42), h.task_completed(0, 42, None)]
    assert _run(clock, events)["output"] == ["2024-01-01T00:00:00+00:00", "2024-01-01T00:00:42+00:00"]


def test_two_waiters_for_one_name_resolve_last_created_first():
    """Reference §3.2: with two waits for 'X' in one task_any, the newest waiter gets the event."""

    def two_waiters(context: df.DurableOrchestrationContext):
        older = context.wait_for_external_event("X")
        newer = context.wait_for_external_event("X")
        winner = yield context.task_any([older, newer])
        return "newer" if winner == newer else "older"

    events = [h.started(0), h.execution_started("two_waiters", None), h.completed(0)]
    events += [h.started(1), h.event_raised("X", 1, '"x"')]
    assert _run(two_waiters, events)["output"] == "newer"
