"""Where Microsoft's own Durable apps, tests and host source decide what devhost must do (issue 10).

Each test re-creates one scenario with an app of ours (``tests/devhost_apps/``) and names the
Microsoft source that states the expected outcome. Nothing is fetched at run time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.devhost.conformance.harness import APPS

# --- 1. sub-orchestrations without a version get host.json defaultVersion -----------------------


def test_sub_orchestration_without_version_gets_default_version(run_app):
    """A child started without a version runs as host.json ``defaultVersion``; a pinned one keeps its own.

    Sources: Azure/azure-functions-durable-extension ``test/e2e/Tests/Tests/VersioningTests.cs``
    (``TestVersionedSubOrchestration_OKWithMatchingVersion``: no sub-orchestration version ⇒
    "Sub Version: '2.0'", the host.json default); the extension's
    ``src/WebJobs.Extensions.DurableTask/ContextImplementations/DurableOrchestrationContext.cs``
    (``CallDurableTaskFunctionAsync`` passes ``Options.DefaultVersion`` for sub-orchestrators);
    Azure/azure-functions-durable-python ``azure/durable_functions/models/DurableOrchestrationContext.py``
    (``call_sub_orchestrator``: "If not specified, the defaultVersion from host.json will be used").
    """
    app = run_app("versioned")
    instance_id = app.start("parent_of_versions", "1.0")
    assert app.drive_until_status(instance_id) == "Completed"
    output = app.status_response(instance_id).json()["output"]
    assert output == {"parent": "2.0", "unversioned": "2.0", "pinned": "1.0"}


# --- 5. versionMatchStrategy CurrentOrOlder / versionFailureStrategy --------------------------------


def test_newer_version_stays_pending_under_the_default_strategies(run_app):
    """Default ``CurrentOrOlder`` + ``Reject``: a newer instance is left Pending; older/equal ones run.

    Source: MicrosoftDocs/azure-docs
    ``articles/azure-functions/durable/durable-functions-orchestration-versioning.md`` ("CurrentOrOlder
    (default)", "Reject (default): Don't process the orchestration. The orchestration instance remains
    in its current state"; empty versions are older than any version).
    """
    app = run_app("versioned")
    # Versions compare like System.Version: 10.0 is newer than 2.0 (a string compare would say older).
    newer = app.run(app.client.start_new("report_version", None, None, "10.0"))
    older = app.run(app.client.start_new("report_version", None, None, "1.10"))
    same = app.run(app.client.start_new("report_version", None, None, "2.0"))
    default = app.start("report_version")
    for instance_id in (older, same, default):
        assert app.drive_until_status(instance_id) == "Completed"
    assert [app.status_response(i).json()["output"] for i in (older, same, default)] == ["1.10", "2.0", "2.0"]
    app.settle()
    response = app.status_response(newer)
    assert response.status_code == 202
    assert response.json()["runtimeStatus"] == "Pending"
    # Left alone, not lost: it can still be terminated.
    app.run(app.client.terminate(newer, "wrong version"))
    assert app.drive_until_status(newer) == "Terminated"


def test_newer_version_fails_with_failure_strategy_fail(run_app):
    """``versionFailureStrategy: Fail``: an instance newer than ``defaultVersion`` fails.

    Sources: Azure/azure-functions-durable-extension ``test/e2e/Tests/Tests/VersioningTests.cs``
    (``TestVersionedOrchestration_FailsWithNonMatchingVersion``: version 3.0 ⇒ "Failed", with
    ``test/e2e/Apps/BasicDotNetIsolated/host.json`` defaultVersion 2.0, CurrentOrOlder, Fail);
    the failure text is DTFx's / durabletask-dotnet's "The orchestration version '…' is greater than
    the worker version '…'.".
    """
    app = run_app("versioned_fail")
    newer = app.run(app.client.start_new("report_version", None, None, "3.0"))
    assert app.drive_until_status(newer) == "Failed"
    assert app.status_response(newer).json()["output"] == (
        "The orchestration version '3.0' is greater than the worker version '2.0'."
    )
    ok = app.run(app.client.start_new("report_version", None, None, "2.0"))
    assert app.drive_until_status(ok) == "Completed"


# --- 2. dates the Durable HTTP API cannot parse ------------------------------------------------------


def test_status_query_ignores_a_date_it_cannot_parse(run_app):
    """``GET instances?createdTimeFrom=<garbage>`` answers 200 as if the filter were absent.

    Source: Azure/azure-functions-durable-extension
    ``src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs`` (``HandleGetStatusRequestAsync`` sets
    ``CreatedTimeFrom``/``CreatedTimeTo`` only when ``TryGetDateTimeQueryParameterValue`` succeeds).
    """
    app = run_app("purge_history")
    instance_id = app.start("quick")
    assert app.drive_until_status(instance_id) == "Completed"
    for params in ({"createdTimeFrom": "not-a-date"}, {"createdTimeTo": "31/31/2026"}):
        response = app.http.get(app.webhook_url("instances"), params=params, timeout=30)
        assert response.status_code == 200
        assert [item["instanceId"] for item in response.json()] == [instance_id]
    # A parseable date still filters.
    later = app.http.get(app.webhook_url("instances"), params={"createdTimeFrom": "2030-01-01"}, timeout=30)
    assert later.status_code == 200 and later.json() == []


def test_purge_with_a_date_it_cannot_parse_is_a_400_not_a_500(run_app):
    """Purge with a bad ``createdTimeFrom`` is 400 with the host's text; a bad ``createdTimeTo`` means now.

    Source: Azure/azure-functions-durable-extension
    ``src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs`` (``HandleDeleteHistoryWithFiltersRequestAsync``:
    "Please provide value for 'createdTimeFrom' parameter."; an unparseable ``createdTimeTo`` becomes
    ``DateTime.UtcNow``).
    """
    app = run_app("purge_history")
    instance_id = app.start("quick")
    assert app.drive_until_status(instance_id) == "Completed"
    bad = app.http.delete(app.webhook_url("instances"), params={"createdTimeFrom": "yesterday"}, timeout=30)
    assert bad.status_code == 400
    assert bad.json() == "Please provide value for 'createdTimeFrom' parameter."
    params = {"createdTimeFrom": "2025-01-01T00:00:00Z", "createdTimeTo": "whenever"}
    purged = app.http.delete(app.webhook_url("instances"), params=params, timeout=30)
    assert purged.status_code == 200
    assert purged.json() == {"instancesDeleted": 1}


def test_purge_from_datetime_min_as_python_writes_it_on_linux(run_app):
    """``purge_instance_history_by(created_time_from=datetime.min)`` works: the year ``1`` is padded.

    Sources: Azure/azure-functions-durable-extension
    ``src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs`` (``TryGetDateTimeQueryParameterValue``:
    years Python's ``strftime`` writes without leading zeroes on Linux are zero-padded);
    ``test/e2e/Tests/Tests/PurgeInstancesTests.cs`` with
    ``test/e2e/Apps/BasicPython/purge_orchestration_history.py`` ("Purged N records", 200).
    """
    app = run_app("purge_history")
    instance_id = app.start("quick")
    assert app.drive_until_status(instance_id) == "Completed"
    response = app.http.post(f"{app.base_url}/api/purge", timeout=30)
    assert (response.status_code, response.text) == (200, "Purged 1 records")
    assert app.runtime_status(instance_id) is None


# --- 3./4. host.json the Functions host refuses ------------------------------------------------------


def _start(app_dir: Path, tmp_path: Path) -> None:
    from devhost.testing import DevHost

    with DevHost(app_dir, state_dir=tmp_path / "state"):
        pass


def test_host_json_without_version_is_refused_with_the_hosts_message(tmp_path):
    """No ``"version"`` in host.json: the host does not start (``InitializeHostConfig``).

    Source: Azure/azure-functions-host ``src/WebJobs.Script/Config/HostJsonFileConfigurationSource.cs``
    ("The host.json file is missing the required 'version' property. …"; a version other than
    "2.0" is "'X' is an invalid value for host.json 'version' property. …").
    """
    from devhost.config import HostConfigurationError

    with pytest.raises(HostConfigurationError) as missing:
        _start(APPS / "hostjson_no_version", tmp_path)
    assert str(missing.value) == (
        "The host.json file is missing the required 'version' property. "
        "See https://aka.ms/functions-hostjson for steps to migrate the configuration file."
    )
    app_dir = tmp_path / "v3"
    shutil.copytree(APPS / "hostjson_no_version", app_dir)
    (app_dir / "host.json").write_text(json.dumps({"version": "3.0"}), encoding="utf-8")
    with pytest.raises(HostConfigurationError, match=r"^'3\.0' is an invalid value for host\.json 'version'"):
        _start(app_dir, tmp_path)


def test_unparseable_host_json_is_refused_naming_the_file(tmp_path):
    """A host.json that is not JSON: "Unable to parse host configuration file '<path>'." (``LoadHostConfig``).

    Source: Azure/azure-functions-host ``src/WebJobs.Script/Config/HostJsonFileConfigurationSource.cs``.
    The host parses with Newtonsoft ``JObject.Parse``, so comments and trailing commas are accepted.
    """
    from devhost.config import HostConfigurationError

    path = (APPS / "hostjson_broken" / "host.json").resolve()
    with pytest.raises(HostConfigurationError) as broken:
        _start(APPS / "hostjson_broken", tmp_path)
    assert str(broken.value) == f"Unable to parse host configuration file '{path}'."
    app_dir = tmp_path / "commented"
    shutil.copytree(APPS / "hostjson_broken", app_dir)
    (app_dir / "host.json").write_text('{\n  // schema version\n  "version": "2.0",\n}\n', encoding="utf-8")
    _start(app_dir, tmp_path)


def test_cli_refuses_a_host_json_without_version(tmp_path):
    """``python -m devhost start`` prints the host's message and exits 1 (source as above)."""
    result = subprocess.run(
        [sys.executable, "-m", "devhost", "start", "--app-dir", str(APPS / "hostjson_no_version")],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 1
    assert "missing the required 'version' property" in result.stderr
