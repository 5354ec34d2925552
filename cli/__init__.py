"""Operator CLI (``python -m cli``): start, watch, list, approve/reject failbacks."""
