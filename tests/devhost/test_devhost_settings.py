"""local.settings.json: Values into the environment, Host.CORS and Host.LocalHttpPort (W5)."""

import json
import os
from pathlib import Path

import requests

from devhost.config import load_config
from devhost.testing import DevHost

APP_CODE = """
import os
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="setting")
def setting(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(os.environ.get("DEVHOST_SETTING_PROBE", "missing"))
"""


def make_app(tmp_path: Path) -> Path:
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "devhost_settings_app.py").write_text(APP_CODE)
    (app_dir / "host.json").write_text(json.dumps({"version": "2.0"}))
    settings = {
        "Values": {
            "PYTHON_SCRIPT_FILE_NAME": "devhost_settings_app.py",
            "DEVHOST_SETTING_PROBE": "from-file",
        },
        "Host": {"CORS": "*", "LocalHttpPort": 7077},
    }
    (app_dir / "local.settings.json").write_text(json.dumps(settings))
    return app_dir


def test_values_become_environment_and_cors_headers_are_sent_W5(tmp_path: Path) -> None:
    app_dir = make_app(tmp_path)
    assert load_config(app_dir).local_port == 7077
    with DevHost(app_dir, state_dir=tmp_path / "state") as host:
        response = requests.get(
            f"{host.base_url}/api/setting", headers={"Origin": "http://x.test"}, timeout=10
        )
        assert response.text == "from-file"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        preflight = requests.options(
            f"{host.base_url}/api/setting",
            headers={"Origin": "http://x.test", "Access-Control-Request-Method": "POST"},
            timeout=10,
        )
        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Methods"] == "POST"
    assert "DEVHOST_SETTING_PROBE" not in os.environ


def test_disabled_function_setting_hides_the_function_W5(tmp_path: Path) -> None:
    app_dir = make_app(tmp_path)
    env = {"AzureWebJobs.setting.Disabled": "true"}
    with DevHost(app_dir, state_dir=tmp_path / "state", env=env) as host:
        assert requests.get(f"{host.base_url}/api/setting", timeout=10).status_code == 404
