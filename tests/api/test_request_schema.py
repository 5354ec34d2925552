"""The request's one contract: docs/request.md's examples pass the model and the OpenAPI schema
made from it, and what the model refuses for its shape the schema refuses too (issue 11, W3, H4)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from domain.errors import RequestInvalid
from domain.request import FailbackRequest, parse_failback_request
from function_app.openapi import openapi_document

DOC = Path(__file__).resolve().parents[2] / "docs" / "request.md"


def _examples() -> list[dict[str, Any]]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOC.read_text(), re.S)]


def _validator() -> Any:
    """The served document's request schema, its ``$ref``s resolved inside the document."""
    document = json.loads(json.dumps(openapi_document()))  # as served: plain JSON
    body = document["paths"]["/api/failbacks"]["post"]["requestBody"]["content"]["application/json"]
    return jsonschema_rs.Draft202012Validator({**body["schema"], "components": document["components"]})


def test_the_request_schema_is_the_models_own_W3() -> None:
    schemas = openapi_document()["components"]["schemas"]
    assert schemas["FailbackRequest"]["properties"].keys() - {"initiator"} == {
        info.alias or name for name, info in FailbackRequest.model_fields.items()
    }
    assert schemas["FailbackRequest"]["additionalProperties"] is False
    assert schemas["ApprovalPolicy"]["properties"]["quorum"] == {
        "default": 1,
        "description": "how many distinct approvers must approve",
        "maximum": 50,
        "minimum": 1,
        "type": "integer",
    }


@pytest.mark.parametrize("n", range(len(_examples())))
def test_every_documented_example_passes_the_model_and_the_schema_W3(n: int) -> None:
    body = _examples()[n]
    parse_failback_request(body)
    errors = [e.message for e in _validator().iter_errors(body)]
    assert errors == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"colour": "blue"}, "colour: unknown field"),
        ({"kind": "aws"}, "kind: 'aws' is not one of"),
        ({"dryRun": "yes"}, "dryRun: must be true or false"),
        ({"approval": {"approvers": ["a"], "quorum": 0}}, "approval.quorum: must be between 1 and 50"),
        ({"vault": {"subscriptionId": "x", "resourceGroup": "rg", "name": "v"}}, "vault.subscriptionId"),
        ({"encryptionCertificate": {"thumbprint": "A" * 40, "password": "p"}}, "never the certificate"),
    ],
)
def test_what_the_model_refuses_for_its_shape_the_schema_refuses_too_H4(
    change: dict[str, Any], reason: str
) -> None:
    body = {**_examples()[1], **change}
    with pytest.raises(RequestInvalid) as refused:
        parse_failback_request(body)
    assert any(r.startswith(reason) or reason in r for r in refused.value.reasons), refused.value.reasons
    assert not _validator().is_valid(body)
