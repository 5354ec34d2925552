"""Durable entities: a counter entity used from an orchestrator and from the client."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.entity_trigger(context_name="context")
def counter(context: df.DurableEntityContext) -> None:
    value = context.get_state(lambda: 0)
    operation = context.operation_name
    if operation == "add":
        value += context.get_input()
    elif operation == "reset":
        value = 0
    elif operation == "get":
        context.set_result(value)
    elif operation == "fail":
        raise ValueError("entity operation failed")
    context.set_state(value)


@app.orchestration_trigger(context_name="context")
def count_up(context: df.DurableOrchestrationContext):
    entity = df.EntityId("counter", context.get_input())
    context.signal_entity(entity, "add", 5)
    first = yield context.call_entity(entity, "get")
    yield context.call_entity(entity, "add", 10)
    second = yield context.call_entity(entity, "get")
    return [first, second]


@app.orchestration_trigger(context_name="context")
def entity_error(context: df.DurableOrchestrationContext):
    try:
        yield context.call_entity(df.EntityId("counter", "errors"), "fail")
    except Exception as exc:
        return f"caught: {exc}"
    return "unexpected success"


@app.entity_trigger(context_name="context", entity_name="Tally")
def tally_entity(context: df.DurableEntityContext) -> None:
    names = context.get_state(list)
    if context.operation_name == "add":
        names.append(context.get_input())
    context.set_result(len(names))
    context.set_state(names)


@app.orchestration_trigger(context_name="context")
def tally_up(context: df.DurableOrchestrationContext):
    entity = df.EntityId("Tally", "k")
    yield context.call_entity(entity, "add", "first")
    count = yield context.call_entity(df.EntityId("tally", "k"), "add", "second")
    return count
