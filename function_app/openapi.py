"""``GET /api/openapi.json``: the OpenAPI 3.1 document of our HTTP API.

One job, over 300 lines: most of it is the document itself (every path, its answers and bodies),
which reads best in one place next to the route table it is checked against.

The request body of ``POST /api/failbacks`` is the JSON schema of the pydantic model that
validates it (``domain.request.FailbackRequest``), so the two cannot disagree; OpenAPI 3.1
takes JSON Schema 2020-12 as pydantic writes it. The rest (paths, responses, other bodies)
is written here and checked against the registered routes in ``tests/api`` (every documented
operation exists and every route is documented), and exercised by schemathesis. Durable's own
``/runtime/webhooks`` routes are not part of our API and never documented or exposed to callers.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
import azure.functions as func
from pydantic.json_schema import GenerateJsonSchema

from domain.request import FailbackRequest
from function_app.responses import json_response

bp = df.Blueprint()

PROBLEM = {"$ref": "#/components/schemas/Problem"}
_KEYED: list[dict[str, list[str]]] = [{"functionKey": []}, {"functionKeyQuery": []}]


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": PROBLEM}}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _html_or_problem(description: str) -> dict[str, Any]:
    return {
        "description": description + " (HTML for browsers, problem+json when JSON is preferred)",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/problem+json": {"schema": PROBLEM},
        },
    }


_RUN_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^fb-[a-z0-9-]+$", "maxLength": 200},
    "description": "run (orchestration instance) id, `fb-<vault>-<item>-<yyyymmddHHMMSS>`",
}
_TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]+$", "maxLength": 2048},
    "description": "signed approval token from the link",
}


class _WithoutFieldTitles(GenerateJsonSchema):
    """pydantic's schema, without the ``title`` it derives from each attribute name (noise here)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def request_schemas() -> dict[str, Any]:
    """``FailbackRequest`` and the models it uses, as OpenAPI components, from the model itself."""
    schema = FailbackRequest.model_json_schema(
        by_alias=True, ref_template="#/components/schemas/{model}", schema_generator=_WithoutFieldTitles
    )
    components = schema.pop("$defs", {})
    # Read by the route, not the request: who started the run, where no sign-in names the caller.
    schema["properties"]["initiator"] = {"type": "string", "description": "local runs only"}
    return {**components, "FailbackRequest": schema}


SCHEMAS: dict[str, Any] = {
    **request_schemas(),
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details",
        "required": ["title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "string"}},
        },
    },
    "RunAccepted": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "statusUrl": {"type": "string"}},
    },
    "RunStatus": {
        "type": "object",
        "description": "phase, progress, timeline, report, runtimeStatus (contracts §6)",
        "additionalProperties": True,
    },
    "RunList": {
        "type": "object",
        "properties": {"runs": {"type": "array", "items": {"type": "object"}}},
    },
    "CommonAlert": {
        "type": "object",
        "description": "Azure Monitor common alert schema",
        "required": ["schemaId", "data"],
        "properties": {
            "schemaId": {"type": "string", "enum": ["azureMonitorCommonAlertSchema"]},
            "data": {
                "type": "object",
                "required": ["essentials"],
                "properties": {
                    "essentials": {
                        "type": "object",
                        "required": ["alertId", "alertRule", "monitorCondition"],
                        "properties": {
                            "alertId": {"type": "string"},
                            "alertRule": {"type": "string"},
                            "monitorCondition": {"type": "string", "enum": ["Fired", "Resolved"]},
                            "severity": {"type": "string"},
                            "firedDateTime": {"type": "string"},
                        },
                    },
                    "alertContext": {"type": "object"},
                },
            },
        },
    },
    "AlertAnswer": {"type": "object", "additionalProperties": True},
    "Decision": {
        "type": "object",
        "description": "the approval page's form",
        "required": ["token", "decision"],
        "properties": {
            "token": {"type": "string"},
            "decision": {"type": "string", "enum": ["approve", "reject"]},
            "comment": {"type": "string", "maxLength": 2000},
            "attest": {"type": "array", "items": {"type": "string"}},
        },
    },
    "CancelRequest": {
        "type": "object",
        "properties": {"reason": {"type": "string"}, "by": {"type": "string"}},
    },
    "VerificationDecision": {
        "type": "object",
        "required": ["decision"],
        "properties": {
            "decision": {"type": "string", "enum": ["commit-anyway", "leave-manual"]},
            "comment": {"type": "string"},
            "by": {"type": "string"},
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/health": {
        "get": {
            "operationId": "health",
            "summary": "Liveness probe",
            "security": [],
            "responses": {"200": _json({"type": "object"}, "alive")},
        }
    },
    "/api/failbacks": {
        "post": {
            "operationId": "startFailback",
            "summary": "Start a failback (Logic Apps: 202 + Location + Retry-After; one run per item)",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FailbackRequest"}}},
            },
            "responses": {
                "200": _json({"type": "object"}, "dry run: the plan"),
                "202": _json(
                    {"$ref": "#/components/schemas/RunAccepted"}, "started, or the item's running run"
                ),
                "400": _problem("invalid request, every reason listed"),
                "409": _problem("a VM of this plan or waves request is held by another run (ITEM_HELD)"),
                "503": _problem("ASR could not be read to resolve the item; retry after Retry-After"),
            },
        },
        "get": {
            "operationId": "listFailbacks",
            "summary": "List runs (JSON, or HTML for a browser)",
            "parameters": [
                {
                    "name": "format",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["json", "html"]},
                }
            ],
            "responses": {
                "200": {
                    "description": "runs, newest first",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/RunList"}},
                        "text/html": {"schema": {"type": "string"}},
                    },
                }
            },
        },
    },
    "/api/failbacks/{id}": {
        "get": {
            "operationId": "getFailback",
            "summary": "Status of a run: JSON (202 while running, 200 when finished) or the HTML timeline",
            "parameters": [_RUN_ID],
            "responses": {
                "200": _json({"$ref": "#/components/schemas/RunStatus"}, "finished"),
                "202": _json({"$ref": "#/components/schemas/RunStatus"}, "running (Retry-After)"),
                "404": _problem("unknown run"),
            },
        }
    },
    "/api/runs/{id}/status": {
        "get": {
            "operationId": "getSignedRunStatus",
            "summary": "Status of a run through the signed Location of a 202 (Logic Apps polling, no key)",
            "security": [],
            "parameters": [
                _RUN_ID,
                {
                    "name": "exp",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,11}$"},
                    "description": "expiry of the link (epoch seconds)",
                },
                {
                    "name": "sig",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"},
                    "description": "HMAC-SHA256 of the run id and expiry (base64url)",
                },
            ],
            "responses": {
                "200": _json({"$ref": "#/components/schemas/RunStatus"}, "finished"),
                "202": _json(
                    {"$ref": "#/components/schemas/RunStatus"}, "running (Retry-After, fresh Location)"
                ),
                "401": _problem("link incomplete or expired"),
                "403": _problem("link tampered with"),
                "404": _problem("run history purged"),
            },
        }
    },
    "/api/failbacks/{id}/report": {
        "get": {
            "operationId": "exportFailbackReport",
            "summary": "The sealed record of an ended run: JSON (verify offline with cli verify-report), "
            "printable HTML or CSV",
            "parameters": [
                _RUN_ID,
                {
                    "name": "format",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["json", "html", "csv"]},
                },
            ],
            "responses": {
                "200": {
                    "description": "the export (X-Report-Head: the chain's head)",
                    "content": {
                        "application/json": {"schema": {"type": "object"}},
                        "text/html": {"schema": {"type": "string"}},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                "400": _problem("unknown format"),
                "404": _problem("unknown run"),
                "409": _problem("the run has not ended, or ended without a report"),
            },
        }
    },
    "/api/failbacks/{id}/cancel": {
        "post": {
            "operationId": "cancelFailback",
            "summary": "Ask the run to stop, only where safe (never during data sync, H10)",
            "parameters": [_RUN_ID],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CancelRequest"}}},
            },
            "responses": {
                "202": _json({"type": "object"}, "cancel requested"),
                "400": _problem("body is not a JSON object"),
                "404": _problem("unknown run"),
                "409": _problem("not cancellable now"),
            },
        }
    },
    "/api/failbacks/{id}/verification": {
        "post": {
            "operationId": "decideVerification",
            "summary": "Human decision after a failed verification",
            "parameters": [_RUN_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/VerificationDecision"}}
                },
            },
            "responses": {
                "200": _json({"type": "object"}, "your decision was taken (yours, decided, decidedBy)"),
                "202": _json({"type": "object"}, "decision sent, not yet taken by the run"),
                "400": _problem("invalid decision"),
                "401": _problem("no signed-in caller"),
                "403": _problem("the approval policy refuses this caller (approver list, four-eyes)"),
                "404": _problem("unknown run"),
                "409": _problem("not waiting for this decision, or another decision was taken"),
            },
        }
    },
    "/api/failbacks/{id}/azure-wait": {
        "post": {
            "operationId": "decideAzureWait",
            "summary": "While the run waits for Azure after the switchover: retry now, or hand over",
            "parameters": [_RUN_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["decision"],
                            "properties": {
                                "decision": {"type": "string", "enum": ["retry-now", "hand-over"]},
                                "comment": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _json(
                    {"type": "object"},
                    "the run's azure-wait gate took the decision (decided, or counted toward the quorum)",
                ),
                "202": _json({"type": "object"}, "decision sent (runs started before the azure-wait gate)"),
                "400": _problem("invalid decision"),
                "401": _problem("no signed-in caller"),
                "403": _problem("the approval policy refuses this caller (four-eyes, approver list)"),
                "404": _problem("unknown run"),
                "409": _problem(
                    "not waiting for Azure; another decision was taken (DECIDED, ALREADY_DECIDED); "
                    "the run withdrew the question because Azure answered again (WITHDRAWN); "
                    "no gate open (GATE_OPENING)"
                ),
            },
        }
    },
    "/api/alerts": {
        "post": {
            "operationId": "receiveAlert",
            "summary": "Azure Monitor alert (common schema): Fired starts, Resolved cancels before approval",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CommonAlert"}}},
            },
            "responses": {
                "200": _json({"$ref": "#/components/schemas/AlertAnswer"}, "duplicate delivery or no rule"),
                "202": _json({"$ref": "#/components/schemas/AlertAnswer"}, "runs started or cancelled"),
                "400": _problem("not a common-schema alert"),
            },
        }
    },
    "/api/approvals/{token}": {
        "get": {
            "operationId": "approvalPage",
            "summary": "The approval page (never decides)",
            "security": [],
            "parameters": [_TOKEN],
            "responses": {
                "200": _html("the page"),
                "400": _html_or_problem("malformed link"),
                "401": _html_or_problem("sign-in needed"),
                "403": _html_or_problem("forged link, wrong key or wrong person"),
                "409": _html_or_problem("link already used"),
                "410": _html_or_problem("expired link or closed gate"),
                "503": _html_or_problem("signing key not configured"),
            },
        },
        "post": {
            "operationId": "approvalDecide",
            "summary": "Decide once (form post from the page)",
            "security": [],
            "parameters": [_TOKEN],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/Decision"}}
                },
            },
            "responses": {
                "200": _html("decision recorded"),
                "202": _html("decision sent"),
                "400": _html_or_problem("malformed link or form"),
                "401": _html_or_problem("sign-in needed"),
                "403": _html_or_problem("forged link, wrong person, policy refusal, cross-site post"),
                "409": _html_or_problem("link already used"),
                "410": _html_or_problem("expired link or closed gate"),
                "422": _html_or_problem("checklist not attested"),
                "503": _html_or_problem("signing key not configured"),
            },
        },
    },
    "/api/outbox": {
        "get": {
            "operationId": "outbox",
            "summary": "Local outbox of notifications (local mode only)",
            "parameters": [
                {"name": "runId", "in": "query", "required": False, "schema": {"type": "string"}},
                {
                    "name": "after",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 0},
                },
            ],
            "responses": {
                "200": _json({"type": "object"}, "messages"),
                "400": _problem("bad parameter"),
                "404": _problem("not in local mode"),
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3 document")},
        }
    },
}


def openapi_document(server_url: str = "/") -> dict[str, Any]:
    """Return the OpenAPI document (paths are absolute from the host root)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ASR failback",
            "version": "1.0.0",
            "description": "Azure Site Recovery failback (Azure to on-premises) as a Durable Functions "
            "workflow.",
        },
        "servers": [{"url": server_url}],
        "security": _KEYED,
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "functionKey": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
                "functionKeyQuery": {"type": "apiKey", "in": "query", "name": "code"},
            },
        },
    }


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    """Serve the OpenAPI document."""
    return json_response(openapi_document())
