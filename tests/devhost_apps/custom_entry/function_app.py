"""Decoy: PYTHON_SCRIPT_FILE_NAME names main_app.py, so a faithful host never imports this file."""

raise RuntimeError("function_app.py must not be loaded when PYTHON_SCRIPT_FILE_NAME is main_app.py")
