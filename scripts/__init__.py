"""Operator scripts: the demo and the interactive stack."""
