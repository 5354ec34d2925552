"""Callback URLs: only https to a public host, nothing smuggled (issue 12, part 6; W3)."""

import pytest

from domain.callback_url import callback_url_problem

PUBLIC = "https://prod-12.japaneast.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x"


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/metadata/instance",
        "https://2852039166/metadata",  # 169.254.169.254, decimal
        "https://0xa9fea9fe/metadata",  # the same, hex
        "https://127.1/",
        "https://10.0.0.5/hook",
        "https://192.168.1.20/hook",
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://localhost/hook",
        "https://intranet/hook",
        "https://printer.local/hook",
        "https://user:pass@example.com/hook",
        "https://example.com/hook\r\nX-Injected: 1",
        "https://example.com/ hook",
        "http://example.com/hook",
        "ftp://example.com/hook",
        "https://example.com:99999/hook",
        "https:///nohost",
    ],
)
def test_unsafe_callback_urls_are_refused_with_the_reason(url: str) -> None:
    problem = callback_url_problem(url, local_mode=False)
    assert problem is not None and problem.startswith("callbackUrl: ")


def test_a_logic_app_url_is_accepted() -> None:
    assert callback_url_problem(PUBLIC, local_mode=False) is None
    assert callback_url_problem("https://8.8.8.8/hook", local_mode=False) is None


def test_loopback_http_only_in_local_mode() -> None:
    assert callback_url_problem("http://127.0.0.1:7000/cb", local_mode=True) is None
    assert "local mode" in str(callback_url_problem("http://127.0.0.1:7000/cb", local_mode=False))
    assert callback_url_problem("https://localhost/cb", local_mode=True) is None
    assert callback_url_problem("https://localhost/cb", local_mode=False) is not None
