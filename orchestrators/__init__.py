"""Deterministic generator orchestrators, registered as ``df.Blueprint``s."""
