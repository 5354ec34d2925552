"""The Function App: the single ``DFApp`` and the registration of every blueprint.

The Python worker finds this app through ``entrypoint.py`` (the file named by
``PYTHON_SCRIPT_FILE_NAME``). Functions live in blueprints next to the code
they belong to; this module only collects them.
"""

import azure.durable_functions as df
import azure.functions as func

from clients.settings import get_settings
from clients.telemetry import configure_telemetry
from function_app.blueprints import BLUEPRINTS

# Logs (with run id, phase and ASR job id as dimensions) go to Application Insights
# when its connection string is set; nothing happens locally.
configure_telemetry(get_settings())

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
for _blueprint in BLUEPRINTS:
    app.register_functions(_blueprint)

__all__ = ["app"]
