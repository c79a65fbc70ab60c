"""Per-store API keys: an integrator's credential for the REST API, scoped to one store."""
