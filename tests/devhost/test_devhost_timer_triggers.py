"""Timer triggers fire from the host clock and can start orchestrations (W5)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from devhost.clock import VirtualClock
from devhost.testing import DevHost

APP = Path(__file__).parent / "apps" / "timers"
T0 = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)


def test_hourly_timer_trigger_starts_orchestrations_in_virtual_time_W5(tmp_path: Path) -> None:
    clock = VirtualClock(T0)
    env = {"PYTHON_SCRIPT_FILE_NAME": "devhost_timers_app.py"}
    with DevHost(APP, clock=clock, env=env, state_dir=tmp_path / "s") as host:
        store = host.runtime.store
        host.drive(lambda: True)
        assert store.instances() == []
        clock.advance(timedelta(hours=2))
        host.drive(lambda: len(store.instances("status='Completed'")) >= 1)
        rows = store.instances()
        assert len(rows) == 1  # two hours passed at once: one (past-due) run, like the host
        assert rows[0]["output"] == '"2026-01-01T02:30:00+00:00"'


def test_admin_api_runs_a_timer_function_with_the_master_key_W5(tmp_path: Path) -> None:
    import requests

    clock = VirtualClock(T0)
    env = {"PYTHON_SCRIPT_FILE_NAME": "devhost_timers_app.py"}
    with DevHost(APP, clock=clock, env=env, state_dir=tmp_path / "s") as host:
        url = f"{host.base_url}/admin/functions/hourly"
        assert requests.post(url, json={"input": ""}, timeout=10).status_code == 401
        assert (
            requests.post(
                url, json={}, headers={"x-functions-key": host.function_key}, timeout=10
            ).status_code
            == 401
        )
        ok = requests.post(url, json={"input": ""}, headers={"x-functions-key": host.master_key}, timeout=10)
        assert ok.status_code == 202
        store = host.runtime.store
        host.drive(lambda: len(store.instances("status='Completed'")) == 1)
        assert store.instances()[0]["output"] == '"2026-01-01T00:30:00+00:00"'
