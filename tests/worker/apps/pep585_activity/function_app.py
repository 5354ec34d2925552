"""Refused by the worker: a PEP 585 annotation on an activity's binding."""

from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.activity_trigger(input_name="payload")
def builtin_generic(payload: dict[str, Any]) -> dict:
    return dict(payload)
