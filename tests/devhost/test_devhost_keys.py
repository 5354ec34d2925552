"""Function keys: a wrong key of any spelling is a 401, never a 500 (issue 2)."""

from pathlib import Path

import requests

from devhost.keys import Keys
from devhost.testing import DevHost

from .test_devhost_engine import BASIC_APP, BASIC_ENV


def test_keys_accept_only_the_right_key_for_each_level() -> None:
    keys = Keys(function_key="fk", master_key="mk", system_key="sk")
    assert keys.accepts("anonymous", None)
    assert keys.accepts("function", "fk") and keys.accepts("function", "mk")
    assert not keys.accepts("function", "sk")
    assert keys.accepts("admin", "mk") and not keys.accepts("admin", "fk")
    assert not keys.accepts("function", "ключ") and not keys.accepts("admin", "ключ")


def test_non_ascii_key_over_http_is_refused_with_401(tmp_path: Path) -> None:
    with DevHost(BASIC_APP, env=BASIC_ENV, state_dir=tmp_path / "state") as host:
        url = f"{host.base_url}/api/start/devhost_basic_chain"
        assert requests.post(url, params={"code": "ключ"}, json={}, timeout=10).status_code == 401
        assert requests.post(url, params={"code": "wrong"}, json={}, timeout=10).status_code == 401
