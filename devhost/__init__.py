"""A local Azure Functions host + Durable Functions extension for Python v2-model apps."""
