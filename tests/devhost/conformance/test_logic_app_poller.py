"""W3: a Logic-App-style caller starts a run over HTTP and follows Location until 200.

The starter function answers with ``client.create_check_status_response``; the poller
only uses what a Logic App uses: the 202 ``Location`` and ``Retry-After`` headers.
"""

from urllib.parse import urlsplit


def _poll_once(app, url: str):
    response = app.http.get(url, timeout=30, allow_redirects=False)
    assert response.status_code in (200, 202), response.text
    if response.status_code == 202:
        assert int(response.headers["Retry-After"]) > 0
        assert response.headers["Location"]
    return response


def test_check_status_response_is_202_with_location_retry_after_and_links(run_app):
    app = run_app("chaining")
    response = app.http.post(f"{app.base_url}/api/orchestrators/seq", json={"k": 1}, timeout=30)
    assert response.status_code == 202
    assert response.headers["Retry-After"] == "10"
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert response.headers["Location"] == body["statusQueryGetUri"]
    for key in (
        "id",
        "statusQueryGetUri",
        "sendEventPostUri",
        "terminatePostUri",
        "purgeHistoryDeleteUri",
        "restartPostUri",
        "suspendPostUri",
        "resumePostUri",
    ):
        assert key in body
    assert body["statusQueryGetUri"].startswith(f"{app.base_url}/runtime/webhooks/durabletask/instances/")


def test_links_take_the_origin_of_the_incoming_request(run_app):
    """§4.3: the SDK rewrites each URL's origin to the caller's (here 'localhost' not '127.0.0.1')."""
    app = run_app("chaining")
    port = urlsplit(app.base_url).port
    response = app.http.post(f"http://localhost:{port}/api/orchestrators/seq", json=None, timeout=30)
    assert response.status_code == 202
    assert response.headers["Location"].startswith(f"http://localhost:{port}/runtime/webhooks/durabletask/")


def test_poller_follows_location_until_200_and_reads_the_output(run_app):
    app = run_app("chaining")
    started = app.http.post(f"{app.base_url}/api/orchestrators/day_long_wait", timeout=30)
    location = started.headers["Location"]
    seen: list[int] = []

    def poll_done() -> bool:
        response = _poll_once(app, location)
        seen.append(response.status_code)
        return response.status_code == 200

    app.drive_until(poll_done)
    assert seen[0] == 202
    assert seen[-1] == 200
    final = app.http.get(location, timeout=30).json()
    assert final["runtimeStatus"] == "Completed"
    assert set(final["output"]) == {"started", "resumed"}


def test_send_event_and_terminate_links_work(run_app):
    app = run_app("events")
    first = app.run(app.client.start_new("wait_go", None, None))
    links = app.client.create_http_management_payload(first)
    app.settle()
    assert (
        app.http.post(links["sendEventPostUri"].replace("{eventName}", "go"), json=1, timeout=30).status_code
        == 202
    )
    assert app.drive_until_status(first) == "Completed"

    second = app.run(app.client.start_new("wait_go", None, None))
    links = app.client.create_http_management_payload(second)
    app.settle()
    terminate = links["terminatePostUri"].replace("{text}", "enough")
    assert app.http.post(terminate, timeout=30).status_code == 202
    app.settle()
    assert app.status_response(second).json()["runtimeStatus"] == "Terminated"
