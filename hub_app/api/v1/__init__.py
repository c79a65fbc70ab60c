"""Version 1 of the public REST API: thin routers over the domain layer (see hub_app/domain)."""
