"""Routers of the versioned API, included by `hub_app.api.app.include_v1_routers`.

Add a module path here to publish its `router` (a `fastapi.APIRouter`) under `/api/v1`.
Keeping the list in one place makes the API surface easy to review.
"""

V1_ROUTER_MODULES: list[str] = [
    "hub_app.api.v1.auth",
    "hub_app.api.v1.stores",
    "hub_app.api.v1.services",
    "hub_app.api.v1.calendars",
    "hub_app.api.v1.me",
    "hub_app.api.v1.bookings",
    "hub_app.api.v1.clients",
    "hub_app.api.v1.invites",
    "hub_app.api.v1.calendly",
    "hub_app.api.v1.payments",
    "hub_app.api.v1.privacy",
    "hub_app.api.v1.integrations",
]
