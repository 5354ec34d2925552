"""Index a Functions app with Microsoft's Python worker, as the Functions host asks it to.

Runs under the worker's own interpreter (``.venv/tools/worker``, Python 3.13 with PyPI
``azure-functions-runtime``), never under the project's: ``python index_with_worker.py APP_DIR``.
The host's gRPC messages are replaced by plain records (the worker only builds and reads their
fields); everything else is the worker's code path: ``worker_init_request`` (binding registry,
``index_function_app``, ``add_indexed_function`` for every function) then
``functions_metadata_request``. Prints one JSON line: ``{"ok": true, "functions": [...]}`` with each
function's name and trigger binding, or ``{"ok": false, "error": "<the worker's message>"}``.
"""

import asyncio
import json
import os
import sys
from types import SimpleNamespace


class _Message(SimpleNamespace):
    """A protobuf message stand-in: keyword fields, nothing else."""

    def __init__(self, *args, **fields):
        super().__init__(**fields)


class _Protos:
    """The host's ``protos`` module as far as the worker uses it while indexing."""

    StatusResult = type("StatusResult", (_Message,), {"Failure": 0, "Success": 1, "Cancelled": 2})
    BindingInfo = type("BindingInfo", (_Message,), {"undefined": 0, "in": 0, "out": 1, "inout": 2})

    def __getattr__(self, name):
        return type(name, (_Message,), {})


def _trigger(bindings):
    for binding in bindings:
        if binding.get("type", "").endswith("Trigger"):
            return binding
    return bindings[0] if bindings else {}


def main(app_dir):
    os.environ.setdefault("PYTHON_SCRIPT_FILE_NAME", "function_app.py")
    import azure_functions_runtime as worker

    sys.path.insert(0, app_dir)
    os.chdir(app_dir)  # the host starts the worker in the script root
    init = SimpleNamespace(capabilities={}, function_app_directory=app_dir)
    request = SimpleNamespace(
        request=SimpleNamespace(worker_init_request=init),
        properties={"host": "127.0.0.1", "protos": _Protos()},
    )
    response = asyncio.run(worker.worker_init_request(request))
    if response.result.status != _Protos.StatusResult.Success:
        message = getattr(response.result.exception, "message", str(response.result.exception))
        return {"ok": False, "error": message}
    metadata = asyncio.run(worker.functions_metadata_request(SimpleNamespace()))
    functions = []
    for fn in metadata.function_metadata_results or []:
        trigger = _trigger([json.loads(raw) for raw in fn.raw_bindings])
        functions.append(
            {
                "name": fn.name,
                "trigger": trigger.get("type"),
                "route": trigger.get("route"),
                "methods": sorted(m.upper() for m in trigger.get("methods") or []),
                "authLevel": (trigger.get("authLevel") or "").lower() or None,
            }
        )
    return {"ok": True, "functions": functions}


if __name__ == "__main__":
    print(json.dumps(main(os.path.abspath(sys.argv[1]))))
