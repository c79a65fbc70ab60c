"""HTTP API mounted into the Reflex backend (see `hub_app.api.app.create_api`)."""
