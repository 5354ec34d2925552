"""Issue 2 point 2: HTTP triggers served like the Functions host (W3 Logic App and alert endpoints).

Routes with parameters and constraints, methods, auth levels with function and master
keys, HttpRequest/HttpResponse fidelity, sync and async handlers, app discovery.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests


@pytest.fixture
def http_app(run_app):
    return run_app("http_triggers")


def _url(app, path: str) -> str:
    return f"{app.base_url}/api/{path}"


def test_route_parameter_with_int_constraint(http_app):
    response = http_app.http.get(_url(http_app, "items/42"), timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"id": "42", "params": {"id": "42"}}
    assert http_app.http.get(_url(http_app, "items/abc"), timeout=30).status_code == 404


def test_alpha_constraint_and_optional_parameter(http_app):
    assert http_app.http.get(_url(http_app, "files/report"), timeout=30).json() == {
        "name": "report",
        "version": None,
    }
    assert http_app.http.get(_url(http_app, "files/report/v2"), timeout=30).json() == {
        "name": "report",
        "version": "v2",
    }
    assert http_app.http.get(_url(http_app, "files/r3port"), timeout=30).status_code == 404


def test_request_method_query_headers_and_body_reach_the_function(http_app):
    response = http_app.http.put(
        _url(http_app, "echo"),
        params={"a": "1", "b": "two"},
        headers={"X-Custom-Header": "hello"},
        json={"k": [1, 2]},
        timeout=30,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["method"] == "PUT"
    assert body["query"] == {"a": "1", "b": "two"}
    assert body["header"] == "hello"
    assert body["contentType"] == "application/json"
    assert body["json"] == {"k": [1, 2]}
    assert body["body"] == '{"k": [1, 2]}'
    assert (
        body["url"] == f"{http_app.base_url}/api/echo?a=1&b=two"
    )  # scheme://host/path?query, as the host builds it


def test_non_json_body_is_passed_as_bytes(http_app):
    response = http_app.http.post(_url(http_app, "echo"), data="plain text", timeout=30)
    assert response.json()["body"] == "plain text"
    assert response.json()["json"] is None


def test_method_not_declared_is_404_like_the_functions_host(http_app):
    """The routing layer answers 404, not 405 (azure-functions-host #10098, #11625)."""
    assert http_app.http.get(_url(http_app, "echo"), timeout=30).status_code == 404


def test_custom_status_code_and_headers(http_app):
    response = http_app.http.get(_url(http_app, "status/418"), timeout=30)
    assert response.status_code == 418
    assert response.headers["X-Tea"] == "earl-grey"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text == "short and stout"


def test_async_handler(http_app):
    response = http_app.http.get(_url(http_app, "async/quiet"), timeout=30)
    assert response.status_code == 200
    assert response.text == "QUIET"


def test_route_defaults_to_function_name(http_app):
    response = http_app.http.get(_url(http_app, "default_route"), timeout=30)
    assert response.status_code == 200
    assert response.text == "routed by function name"


def test_function_auth_level_needs_a_key_in_query_or_header(http_app):
    url = _url(http_app, "secure")
    assert http_app.http.get(url, timeout=30).status_code == 401
    assert http_app.http.get(url, params={"code": "wrong"}, timeout=30).status_code == 401
    assert http_app.http.get(url, params={"code": http_app.host.function_key}, timeout=30).status_code == 200
    header = {"x-functions-key": http_app.host.function_key}
    assert http_app.http.get(url, headers=header, timeout=30).status_code == 200
    assert http_app.http.get(url, params={"code": http_app.host.master_key}, timeout=30).status_code == 200


def test_admin_auth_level_needs_the_master_key(http_app):
    url = _url(http_app, "admin-only")
    assert http_app.http.get(url, params={"code": http_app.host.function_key}, timeout=30).status_code == 401
    response = http_app.http.get(url, headers={"x-functions-key": http_app.host.master_key}, timeout=30)
    assert response.status_code == 200
    assert response.text == "master key accepted"


def test_unhandled_exception_in_handler_is_500(http_app):
    assert http_app.http.get(_url(http_app, "broken"), timeout=30).status_code == 500


def test_unknown_route_is_404(http_app):
    assert http_app.http.get(_url(http_app, "nowhere"), timeout=30).status_code == 404


def test_blueprint_functions_with_durable_name_overrides_and_route_prefix(run_app):
    """A Blueprint on a DFApp; orchestration= and activity= names; host.json routePrefix 'v1'."""
    app = run_app("blueprint_app")
    order = {"lines": [{"qty": 2, "unit": 5}, {"qty": 1, "unit": 7}]}
    response = app.http.post(f"{app.base_url}/v1/orders", json=order, timeout=30)
    assert response.status_code == 202
    instance_id = response.json()["id"]
    assert app.drive_until_status(instance_id) == "Completed"
    body = app.status_response(instance_id).json()
    assert body["name"] == "price_order"
    assert body["output"] == {"total": 17, "lines": 2}
    assert app.http.post(f"{app.base_url}/api/orders", json=order, timeout=30).status_code == 404


def test_entry_file_named_by_python_script_file_name(run_app):
    """local.settings.json names main_app.py; the decoy function_app.py raises if imported."""
    app = run_app("custom_entry")
    assert app.http.get(f"{app.base_url}/api/whoami", timeout=30).text == "main_app"
    instance_id = app.start("greet", "there")
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == "hi there"


def test_one_megabyte_body_round_trips(http_app):
    payload = "x" * (1024 * 1024)
    response = http_app.http.post(_url(http_app, "echo"), data=payload, timeout=60)
    assert response.status_code == 200
    assert len(response.json()["body"]) == len(payload)


def test_form_post_is_parsed_into_req_form(http_app):
    """W4: approval pages post a form; the function reads req.form."""
    response = http_app.http.post(
        _url(http_app, "form"), data={"decision": "approved", "comment": "ok by me"}, timeout=30
    )
    assert response.status_code == 200
    body = response.json()
    assert body["form"] == {"decision": "approved", "comment": "ok by me"}
    assert body["contentType"] == "application/x-www-form-urlencoded"


def test_redirect_keeps_status_and_location(http_app):
    response = http_app.http.get(_url(http_app, "redirect"), allow_redirects=False, timeout=30)
    assert response.status_code == 302
    assert response.headers["Location"] == "/api/items/1"


def test_no_content_response(http_app):
    response = http_app.http.delete(_url(http_app, "empty"), timeout=30)
    assert response.status_code == 204
    assert response.content == b""


def test_plain_function_app_registers_a_durable_blueprint(run_app):
    """The official blueprint pattern: func.FunctionApp + df.Blueprint; unset auth levels inherit FUNCTION."""
    app = run_app("funcapp_blueprint")
    start = f"{app.base_url}/api/startRun"
    assert app.http.get(start, timeout=30).status_code == 401
    response = app.http.post(start, params={"code": app.host.function_key, "first": "Kyoto"}, timeout=30)
    assert response.status_code == 202
    instance_id = response.json()["id"]
    assert app.drive_until_status(instance_id) == "Completed"
    assert app.status_response(instance_id).json()["output"] == ["Visited Kyoto", "Visited Lima"]


def test_route_without_methods_accepts_any_method(run_app):
    app = run_app("funcapp_blueprint")
    key = {"x-functions-key": app.host.function_key}
    url = f"{app.base_url}/api/Greeter"
    assert app.http.get(url, params={"name": "Ada"}, headers=key, timeout=30).text == "Greetings, Ada."
    assert app.http.post(url, json={"name": "Bo"}, headers=key, timeout=30).text == "Greetings, Bo."
    assert app.http.delete(url, headers=key, timeout=30).text == "Greetings, stranger."


def test_slow_sync_requests_are_served_concurrently(http_app):
    """A blocking handler must not hold up other requests (the worker runs sync functions in threads)."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(requests.get, _url(http_app, "sleepy"), timeout=30) for _ in range(3)]
        spans = [f.result().json() for f in futures]
    latest_start = max(s["start"] for s in spans)
    earliest_end = min(s["end"] for s in spans)
    assert latest_start < earliest_end, "at least two requests ran at the same time"


def test_long_polling_request_returns_when_another_request_raises_the_event(run_app):
    app = run_app("extras")
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(requests.post, f"{app.base_url}/api/wait/first_of_many", timeout=60)

        def instance_waits() -> bool:
            runs = [s for s in app.run(app.client.get_status_all()) if s.name == "first_of_many"]
            return bool(runs) and len([e for e in app.history(runs[0].instance_id) if "Result" in e]) == 5

        # Not drive(): it waits for in-flight HTTP requests, and this one is meant to stay open.
        deadline = time.monotonic() + 15
        while not instance_waits():
            assert time.monotonic() < deadline, "the orchestration never reached its wait"
            time.sleep(0.05)
        (run,) = [s for s in app.run(app.client.get_status_all()) if s.name == "first_of_many"]
        app.raise_event_http(run.instance_id, "A", "from another request")
        response = waiting.result(timeout=60)
    assert response.status_code == 200
    assert response.json() == {"all": ["0", "1", "2", "3", "4"], "event": "from another request"}


def test_head_on_a_get_route_is_404(http_app):
    """The routing layer does not map HEAD onto GET routes (azure-functions-host #11625)."""
    assert http_app.http.head(_url(http_app, "items/1"), timeout=30).status_code == 404


def test_trailing_slash_still_matches_the_route(http_app):
    assert http_app.http.get(_url(http_app, "items/5/"), timeout=30).json()["id"] == "5"


def test_cors_origins_from_local_settings_host_section(http_app):
    """local.settings.json Host.CORS: allowed origins get Access-Control-Allow-Origin, others do not."""
    allowed = http_app.http.get(
        _url(http_app, "items/1"), headers={"Origin": "http://allowed.example"}, timeout=30
    )
    assert allowed.headers.get("Access-Control-Allow-Origin") == "http://allowed.example"
    other = http_app.http.get(
        _url(http_app, "items/1"), headers={"Origin": "http://evil.example"}, timeout=30
    )
    assert "Access-Control-Allow-Origin" not in other.headers


def test_repeated_query_keys_are_joined_with_commas(http_app):
    """The host copies each query key once, as StringValues.ToString() (values joined by ',')."""
    app = http_app
    response = app.http.post(f"{app.base_url}/api/echo?a=1&a=2", data="", timeout=30)
    assert response.json()["query"] == {"a": "1,2"}


def test_asgi_application_receives_method_path_query_and_body(run_app):
    """func.AsgiFunctionApp registers one catch-all function; the ASGI scope carries the request."""
    app = run_app("asgi_app")
    response = app.http.post(f"{app.base_url}/orders/7", params={"expand": "lines"}, data="hello", timeout=30)
    assert response.status_code == 201
    assert response.headers["x-asgi"] == "yes"
    assert response.json() == {
        "method": "POST",
        "path": "/orders/7",
        "query": "expand=lines",
        "body": "hello",
    }


def test_wsgi_application_receives_method_path_query_and_body(run_app):
    app = run_app("wsgi_app")
    response = app.http.put(f"{app.base_url}/items/a b", params={"q": "1"}, data="payload", timeout=30)
    assert response.status_code == 200
    assert response.headers["X-Wsgi"] == "yes"
    assert response.json() == {"method": "PUT", "path": "/items/a b", "query": "q=1", "body": "payload"}


def test_http_output_binding_through_func_out(http_app):
    response = http_app.http.get(_url(http_app, "out-binding"), timeout=30)
    assert (response.status_code, response.text) == (202, "set through func.Out")


def test_route_parameter_default_value(http_app):
    assert http_app.http.get(_url(http_app, "greet"), timeout=30).text == "hello world"
    assert http_app.http.get(_url(http_app, "greet/ada"), timeout=30).text == "hello ada"


def test_disabled_app_setting_switches_a_function_off(run_app):
    """AzureWebJobs.<name>.Disabled=true: the function is not routed."""
    app = run_app("http_triggers", **{"AzureWebJobs.get_item.Disabled": "true"})
    assert app.http.get(_url(app, "items/1"), timeout=30).status_code == 404
    assert app.http.get(_url(app, "files/report"), timeout=30).status_code == 200


def test_response_charset_encodes_the_body_and_names_it_in_content_type(http_app):
    response = http_app.http.get(_url(http_app, "latin"), timeout=30)
    assert response.headers["Content-Type"] == "text/plain; charset=latin-1"
    assert response.content == "café".encode("latin-1")
