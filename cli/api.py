"""A small HTTP client of the failback API (local host or Azure), used by the CLI."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import requests

DEFAULT_BASE_URL = "http://127.0.0.1:7071"
TIMEOUT = 30


class ApiError(Exception):
    """An error answer of the API, with its problem document when there is one."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        errors: list[str] | None = None,
        localized_errors: list[str] | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}".rstrip(": "))
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        # The same reasons in the language asked for (``localizedErrors``), for the person reading.
        self.localized_errors = localized_errors or self.errors


def _raise_for(response: requests.Response) -> None:
    if response.status_code < 400:
        return
    ctype = response.headers.get("content-type", "")
    if "json" in ctype:
        doc = response.json()
        raise ApiError(
            response.status_code,
            doc.get("title", ""),
            doc.get("detail", ""),
            doc.get("errors"),
            doc.get("localizedErrors"),
        )
    raise ApiError(response.status_code, response.reason or "error", _page_text(response.text)[:300])


def _page_text(html: str) -> str:
    match = re.search(r'id="(?:outcome|form-error)"[^>]*>([^<]+)<', html)
    return match.group(1).strip() if match else re.sub(r"<[^>]+>", " ", html).strip()


@dataclass
class FailbackApi:
    """Calls the app's HTTP API with a function key.

    Attributes:
        base_url: ``http://127.0.0.1:7071`` locally, ``https://<app>.azurewebsites.net`` in Azure.
        key: function key, sent as ``x-functions-key`` (never printed).
    """

    base_url: str = DEFAULT_BASE_URL
    key: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    def _url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.key:
            headers["x-functions-key"] = self.key
        return headers

    def _call_json(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call one JSON route with the function key; its decoded answer, or :class:`ApiError`."""
        r = self.session.request(method, self._url(path), json=body, headers=self._headers(), timeout=TIMEOUT)
        _raise_for(r)
        return r.json()

    def start(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /api/failbacks``."""
        return dict(self._call_json("POST", "/api/failbacks", body))

    def status(self, run_id: str) -> dict[str, Any]:
        """``GET /api/failbacks/{id}`` (JSON)."""
        return dict(self._call_json("GET", f"/api/failbacks/{run_id}"))

    def report(self, run_id: str, fmt: str) -> tuple[bytes, str]:
        """``GET /api/failbacks/{id}/report?format=``: the export's bytes and the chain's head."""
        r = self.session.get(
            self._url(f"/api/failbacks/{run_id}/report"),
            params={"format": fmt},
            headers=self._headers(),
            timeout=TIMEOUT,
        )
        _raise_for(r)
        return r.content, r.headers.get("X-Report-Head", "")

    def runs(self) -> list[dict[str, Any]]:
        """``GET /api/failbacks``."""
        return list(self._call_json("GET", "/api/failbacks").get("runs", []))

    def cancel(self, run_id: str, reason: str) -> dict[str, Any]:
        """``POST /api/failbacks/{id}/cancel``."""
        return dict(self._call_json("POST", f"/api/failbacks/{run_id}/cancel", {"reason": reason}))

    def approval_url(self, link_or_token: str) -> str:
        """Turn a link or a bare token into the page URL on this base URL."""
        if "/api/approvals/" in link_or_token:
            token = link_or_token.rsplit("/api/approvals/", 1)[1].split("?")[0]
            if urlsplit(link_or_token).netloc:
                return link_or_token.split("?")[0]
        else:
            token = link_or_token
        return self._url(f"/api/approvals/{token}")

    def approval_page(self, link_or_token: str) -> ApprovalPage:
        """GET the approval page (this decides nothing) and read its checklist."""
        url = self.approval_url(link_or_token)
        r = self.session.get(url, headers={"Accept": "text/html"}, timeout=TIMEOUT)
        _raise_for(r)
        parser = _PageParser()
        parser.feed(r.text)
        return ApprovalPage(url=url, token=url.rsplit("/", 1)[1], checklist=parser.checklist, vm=parser.vm)

    def decide(self, page: ApprovalPage, decision: str, comment: str, attest: list[str]) -> str:
        """POST the page's form (``approve``/``reject``) and return the outcome text."""
        form = {"token": page.token, "decision": decision, "comment": comment, "attest": attest}
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        r = self.session.post(
            page.url, data=form, headers={"Accept": "text/html", "Origin": origin}, timeout=TIMEOUT
        )
        _raise_for(r)
        return _page_text(r.text)


@dataclass
class ApprovalPage:
    """What the CLI needs from the approval page."""

    url: str
    token: str
    checklist: list[tuple[str, str]]
    vm: str = ""


class _PageParser(HTMLParser):
    """Reads the checklist (checkbox value + label text) and the VM name."""

    def __init__(self) -> None:
        super().__init__()
        self.checklist: list[tuple[str, str]] = []
        self.vm = ""
        self._pending: str | None = None
        self._in_vm = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name") == "attest":
            self._pending = a.get("value") or ""
        if tag == "dd" and a.get("id") == "vm":
            self._in_vm = True

    def handle_data(self, data: str) -> None:
        if self._pending is not None and data.strip():
            self.checklist.append((self._pending, data.strip()))
            self._pending = None
        if self._in_vm and data.strip():
            self.vm = data.strip()
            self._in_vm = False
