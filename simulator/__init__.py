"""Simulator of Azure Site Recovery (ARM) and Log Analytics (see README)."""
