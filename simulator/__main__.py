"""``python -m simulator start [--port N] [--scenario NAME | --capture FILE] [--time-scale X] ...``.

Prints exactly one JSON line on stdout once the server accepts connections, then logs to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import tempfile
from pathlib import Path

from simulator.app import SimulatorApp
from simulator.clock import ScaledClock
from simulator.server import SimulatorHttpServer


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m simulator")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="serve the simulator over HTTPS on 127.0.0.1")
    start.add_argument("--port", type=int, default=8443, help="TCP port (0 picks a free one)")
    start.add_argument("--scenario", default="default", help="scenario to seed (GET /_sim/scenarios)")
    start.add_argument("--time-scale", type=float, default=1.0, help="simulated seconds per real second")
    start.add_argument("--state-dir", default=None, help="where ca.pem is written (default: a temp dir)")
    start.add_argument("--page-size", type=int, default=50, help="items per page of list answers")
    start.add_argument(
        "--profile",
        default=None,
        help="variants of unrecorded behaviours (simulator/profiles.py)",
    )
    start.add_argument(
        "--capture",
        default=None,
        help="seed from a vault capture (python -m cli capture; docs/capture.md) instead of --scenario",
    )
    start.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    state_dir = Path(args.state_dir or tempfile.mkdtemp(prefix="asr-sim-"))
    if args.capture:
        from simulator.capture_seed import CaptureError, register_capture

        try:
            args.scenario = register_capture(args.capture)
        except CaptureError as error:
            parser.error(str(error))
    try:
        app = SimulatorApp(
            scenario=args.scenario,
            clock=ScaledClock(args.time_scale),
            page_size=args.page_size,
            profile=args.profile,
        )
    except KeyError as error:  # unknown scenario: say which exist
        parser.error(str(error.args[0]))
    server = SimulatorHttpServer(app, args.port, state_dir)
    server.start()
    sys.stdout.write(json.dumps(server.info()) + "\n")
    sys.stdout.flush()
    logging.getLogger("simulator").warning("serving %s (scenario %s)", server.base_url, args.scenario)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
