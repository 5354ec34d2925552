"""HTTPS server (stdlib ``http.server`` with a thread per connection) in front of ``SimulatorApp``.

TLS uses a throwaway CA from ``trustme``; ``ca.pem`` is written to the state directory and
is what clients pass as ``connection_verify``.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme

from simulator.app import DROP, SimulatorApp

log = logging.getLogger("simulator.http")


class _TlsServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], context: ssl.SSLContext, app: SimulatorApp) -> None:
        self.context = context
        self.app = app
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        # answers go out as headers + body; without this, Nagle + delayed ACK add ~40 ms per request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # handshake lazily, in the connection's own thread, so one bad client cannot stall accept()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _TlsServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        port = self.server.server_address[1]
        response = self.server.app.handle(
            self.command, self.path, dict(self.headers.items()), body, f"https://127.0.0.1:{port}"
        )
        if response is DROP:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = response.payload()
        self.send_response(response.status)
        if response.body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer  # noqa: N815 - http.server's naming

    def date_time_string(self, timestamp: float | None = None) -> str:
        """``Date`` in simulated time: the service dates its answers by its own clock (captures read it)."""
        return super().date_time_string(
            self.server.app.world.now().timestamp() if timestamp is None else timestamp
        )

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def handle(self) -> None:
        try:
            super().handle()
        except (ssl.SSLError, ConnectionError, TimeoutError) as error:
            log.debug("connection ended: %r", error)


class SimulatorHttpServer:
    """The simulator served over HTTPS on 127.0.0.1.

    Args:
        app: the simulator.
        port: TCP port (0 picks a free one).
        state_dir: where ``ca.pem`` is written.
    """

    def __init__(self, app: SimulatorApp, port: int, state_dir: Path) -> None:
        self.app = app
        state_dir.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        self.ca_bundle = state_dir / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_bundle))
        self._server = _TlsServer(("127.0.0.1", port), context, app)
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:<port>``."""
        return f"https://127.0.0.1:{self.port}"

    def info(self) -> dict[str, str]:
        """The one JSON line ``python -m simulator start`` prints."""
        world = self.app.world
        return {
            "arm_endpoint": self.base_url,
            "logs_endpoint": self.base_url,
            "ca_bundle": str(self.ca_bundle),
            "subscription_id": world.subscription_id,
            "resource_group": world.resource_group,
            "vault": world.vault,
            "workspace_id": world.workspace_id,
        }

    def start(self) -> None:
        """Serve in a background thread (accepting connections on return)."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="simulator-http", daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
