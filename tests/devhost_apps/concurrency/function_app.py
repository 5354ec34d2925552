"""Six parallel activities under host.json maxConcurrentActivityFunctions = 2."""

import asyncio
import os
import time
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def burst(context: df.DurableOrchestrationContext):
    count = context.get_input() or 6
    spans = yield context.task_all([context.call_activity("timed_work", i) for i in range(count)])
    return spans


@app.activity_trigger(input_name="index")
def timed_work(index: int) -> dict:
    # Wall-clock span of this activity; the test computes the peak overlap.
    start = time.time()
    time.sleep(0.3)
    return {"index": index, "start": start, "end": time.time()}


@app.orchestration_trigger(context_name="context")
def slow_orchestration(context: df.DurableOrchestrationContext):
    # Deliberately blocking and impure: records the wall-clock span of each invocation.
    start = time.time()
    time.sleep(0.2)
    with open(Path(os.environ["CONFORMANCE_LOG_DIR"]) / "orchestrator-spans.txt", "a", encoding="utf-8") as f:
        f.write(f"{start} {time.time()}\n")
    return "done"


@app.orchestration_trigger(context_name="context")
def serial_episodes(context: df.DurableOrchestrationContext):
    # Deliberately blocking and impure: one span per invocation of this instance.
    start = time.time()
    time.sleep(0.1)
    with open(Path(os.environ["CONFORMANCE_LOG_DIR"]) / "episode-spans.txt", "a", encoding="utf-8") as f:
        f.write(f"{start} {time.time()}\n")
    ticks = []
    for _ in range(4):
        tick = yield context.wait_for_external_event("tick")
        ticks.append(tick)
    return ticks


@app.orchestration_trigger(context_name="context")
def burst_async(context: df.DurableOrchestrationContext):
    spans = yield context.task_all([context.call_activity("timed_async_work", i) for i in range(6)])
    return spans


@app.activity_trigger(input_name="index")
async def timed_async_work(index: int) -> dict:
    start = time.time()
    await asyncio.sleep(0.3)
    return {"index": index, "start": start, "end": time.time()}
