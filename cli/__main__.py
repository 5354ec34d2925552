"""``python -m cli``."""

import cli.report  # noqa: F401  (registers report and verify-report)
from cli.app import app

if __name__ == "__main__":
    app()
