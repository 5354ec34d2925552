"""Notification channels behind one interface: webhook, Teams, ACS e-mail, local outbox."""
