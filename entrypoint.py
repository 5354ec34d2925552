"""Entry point named by the app setting ``PYTHON_SCRIPT_FILE_NAME``.

The Python worker imports this file's stem and looks for exactly one
``FunctionRegister``. A root ``function_app.py`` would be shadowed by the
``function_app/`` package, hence this separate file. It only imports the app.
"""

from function_app import app

__all__ = ["app"]
