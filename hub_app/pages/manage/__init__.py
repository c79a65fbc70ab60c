"""The store manager dashboard at /manage: one module per section, each with `register(app)`."""
