"""Thin, idempotent activities: one ASR / Monitor / notification call each, dict in, dict out."""
