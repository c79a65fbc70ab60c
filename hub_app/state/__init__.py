"""Reflex states of the public pages. Handlers are thin: they open a unit of work and call the domain."""
