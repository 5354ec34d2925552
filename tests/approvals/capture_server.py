"""A real local HTTP server that records what channels POST (no mocks of our HTTP code)."""

from __future__ import annotations

import json
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class Capture:
    """Records requests; answers with ``status``.

    With ``acs_email=True`` it answers as Azure Communication Services' e-mail API does: a send is
    ``202`` with ``Operation-Location``, and ``GET /emails/operations/{id}`` reports
    ``email_status``. A repeated ``Operation-Id`` is the same operation (counted once in ``sent``).
    ``tls_dir`` serves HTTPS with a throwaway CA (``ca_bundle``), as bearer tokens require.
    """

    def __init__(self, status: int = 202, *, acs_email: bool = False, tls_dir: Path | None = None) -> None:
        self.status = status
        self.requests: list[dict[str, Any]] = []
        self.email_status = "Succeeded"
        self.sent: dict[str, dict[str, Any]] = {}
        self.ca_bundle: str | None = None
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                capture.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "raw": raw,
                        "json": json.loads(raw or b"null"),
                    }
                )
                if acs_email and self.path.startswith("/emails:send"):
                    operation = self.headers.get("Operation-Id") or str(uuid.uuid4())
                    capture.sent.setdefault(operation, json.loads(raw))
                    api = self.path.split("api-version=", 1)[1]
                    where = f"{capture.url}/emails/operations/{operation}?api-version={api}"
                    self._answer(202, {"id": operation, "status": "Running"}, {"Operation-Location": where})
                    return
                self._answer(capture.status, None)

            def do_GET(self) -> None:
                operation = self.path.split("?", 1)[0].rsplit("/", 1)[-1]
                found = (
                    acs_email and self.path.startswith("/emails/operations/") and operation in capture.sent
                )
                body: dict[str, Any] = {"id": operation, "status": capture.email_status}
                if capture.email_status == "Failed":
                    body["error"] = {"code": "EmailDroppedAllRecipientsSuppressed", "message": "suppressed"}
                self._answer(200 if found else 404, body if found else None)

            def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if data:
                    self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls_dir is not None:
            import trustme

            ca = trustme.CA()
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1").configure_cert(context)
            self.ca_bundle = str(tls_dir / "capture-ca.pem")
            ca.cert_pem.write_to_path(self.ca_bundle)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Capture:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
