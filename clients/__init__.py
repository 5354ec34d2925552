"""SDK client factories: credential, endpoints (Azure or simulator), retry policy."""
