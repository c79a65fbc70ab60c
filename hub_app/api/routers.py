"""Routers of the versioned API, included by `hub_app.api.app.create_v1_app`.

Add a module here to publish its `router` (a `fastapi.APIRouter`) under `/api/v1`.
Keeping the list in one place makes the API surface easy to review.
"""

from hub_app.api.v1 import (
    auth, bookings, calendars, calendly, clients, integrations, invites, me, payments, privacy, services, stores,
)

V1_ROUTER_MODULES = (
    auth,
    stores,
    services,
    calendars,
    me,
    bookings,
    clients,
    invites,
    calendly,
    payments,
    privacy,
    integrations,
)
