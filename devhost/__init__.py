"""Local Azure Functions + Durable Functions host (see README)."""
