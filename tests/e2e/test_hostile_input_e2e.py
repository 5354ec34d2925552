"""Hostile bodies and parameters get a 4xx and change nothing (issue 12, part 6).

Seen before this test: deeply nested JSON answered 500 on four routes, more than 50 form fields
answered 500 on the anonymous approval POST, and ``?after=<huge integer>`` answered 500.
"""

from __future__ import annotations

import pytest

from scripts.failback_stack import FailbackStack, sample_request
from tests.e2e.conftest import assert_clean

DEEP = ("[" * 100_000 + "]" * 100_000).encode()
DEEP_OBJECT = ('{"a":' * 40 + "1" + "}" * 40).encode()


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["deeper-than-the-parser", "deeper-than-the-api"])
def test_deeply_nested_json_is_a_problem_400_on_every_json_route(stack: FailbackStack, body: bytes) -> None:
    run_id = stack.start_failback(sample_request())
    stack.drive_to(run_id, awaiting="approval")
    routes = [
        "/api/failbacks",
        f"/api/failbacks/{run_id}/cancel",
        f"/api/failbacks/{run_id}/verification",
        "/api/alerts",
    ]
    for path in routes:
        response = stack.http.post(
            stack.url(path),
            data=body,
            headers={"x-functions-key": stack.running.function_key, "content-type": "application/json"},
        )
        assert response.status_code == 400, (path, response.status_code, response.text[:200])
        assert response.headers["content-type"].startswith("application/problem+json"), path
    assert stack.run(run_id)["awaiting"] == "approval"


def test_an_approval_form_with_too_many_fields_is_refused_and_decides_nothing(stack: FailbackStack) -> None:
    run_id = stack.start_failback(sample_request())
    stack.drive_to(run_id, awaiting="approval")
    link = stack.approval_links(run_id, "switchover")[0]
    token = link.rsplit("/", 1)[-1]
    fields = "&".join(f"attest=item{n}" for n in range(60))
    response = stack.http.post(
        link,
        data=f"token={token}&decision=approve&{fields}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert stack.run(run_id)["awaiting"] == "approval"


def test_a_huge_outbox_cursor_is_a_400(stack: FailbackStack) -> None:
    response = stack.get("/api/outbox?after=" + "9" * 40)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_run_still_finishes_after_the_hostile_requests(stack: FailbackStack) -> None:
    run_id = stack.start_failback(sample_request())
    stack.drive_to(run_id, awaiting="approval")
    stack.http.post(
        stack.url("/api/failbacks"), data=DEEP, headers={"x-functions-key": stack.running.function_key}
    )
    assert stack.decide(run_id, "approved").status_code == 200
    assert stack.finish(run_id)["outcome"] == "succeeded"
    assert_clean(stack)
