"""The spec's role feature matrix, encoded once and enforced by the domain layer.

Adapters never check roles themselves: every domain function that needs a permission calls
`require(ctx, Feature.X)`, so the pages, the API, the admin and the workers agree by construction.
"""

from __future__ import annotations

import enum

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.errors import NotAuthenticated, PermissionDenied
from hub_app.i18n import t
from hub_app.domain.tenancy import TenantContext

C, M, A = UserRole.CLIENT, UserRole.STORE_MANAGER, UserRole.ADMIN


class Feature(str, enum.Enum):
    VIEW_STORE = "view_store"                      # View Store Info & Services
    BOOK_APPOINTMENTS = "book_appointments"        # Book Appointments
    MANAGE_PROFILE = "manage_profile"              # Register/Manage Profile
    VIEW_OWN_BOOKINGS = "view_own_bookings"        # View Own Bookings/Services
    MANAGE_STORE_INFO = "manage_store_info"        # Manage Store Info (Address, Photos)
    MANAGE_SERVICES = "manage_services"            # Define/Manage Services (Price, Time)
    MANAGE_CALENDARS = "manage_calendars"          # Manage Calendars (Availability)
    VIEW_CLIENTS = "view_clients"                  # View All Clients & Services
    SEND_NOTIFICATIONS = "send_notifications"      # Send Notifications (Email/SMS)
    VIEW_BOOKINGS = "view_bookings"                # View Bookings (Calendar/List)
    MANAGE_SUBSCRIPTION = "manage_subscription"    # Manage Store Subscriptions
    MANAGE_STORES = "manage_stores"                # Create/Manage Stores
    MANAGE_MANAGERS = "manage_managers"            # Create/Manage Store Managers
    SET_PLANS = "set_plans"                        # Set Global Subscription Plans
    TOGGLE_STORE_PAYMENTS = "toggle_store_payments"  # Enable/Disable Store Payments
    FULL_DATA_ACCESS = "full_data_access"          # Full Data Access (CRUD)
    # Beyond the matrix: acting on a store's bookings (confirm, cancel, phone booking).
    MANAGE_BOOKINGS = "manage_bookings"


# Feature -> roles allowed. The first 16 rows are the spec's table, row for row.
MATRIX: dict[Feature, frozenset[UserRole]] = {
    Feature.VIEW_STORE: frozenset({C, M, A}),
    Feature.BOOK_APPOINTMENTS: frozenset({C}),
    Feature.MANAGE_PROFILE: frozenset({C, M, A}),
    Feature.VIEW_OWN_BOOKINGS: frozenset({C}),
    Feature.MANAGE_STORE_INFO: frozenset({M, A}),
    Feature.MANAGE_SERVICES: frozenset({M, A}),
    Feature.MANAGE_CALENDARS: frozenset({M, A}),
    Feature.VIEW_CLIENTS: frozenset({M, A}),
    Feature.SEND_NOTIFICATIONS: frozenset({M, A}),
    Feature.VIEW_BOOKINGS: frozenset({M, A}),
    Feature.MANAGE_SUBSCRIPTION: frozenset({M, A}),
    Feature.MANAGE_STORES: frozenset({A}),
    Feature.MANAGE_MANAGERS: frozenset({A}),
    Feature.SET_PLANS: frozenset({A}),
    Feature.TOGGLE_STORE_PAYMENTS: frozenset({A}),
    Feature.FULL_DATA_ACCESS: frozenset({A}),
    Feature.MANAGE_BOOKINGS: frozenset({M, A}),
}

# Features whose work is inside one store: a manager may use them only in their own store.
STORE_FEATURES = frozenset({
    Feature.MANAGE_STORE_INFO, Feature.MANAGE_SERVICES, Feature.MANAGE_CALENDARS,
    Feature.VIEW_CLIENTS, Feature.SEND_NOTIFICATIONS, Feature.VIEW_BOOKINGS,
    Feature.MANAGE_SUBSCRIPTION, Feature.MANAGE_BOOKINGS,
})

# Readable by anyone, signed in or not (a store's public page).
PUBLIC_FEATURES = frozenset({Feature.VIEW_STORE})


def allowed(ctx: TenantContext, feature: Feature) -> bool:
    if feature in PUBLIC_FEATURES:
        return True
    if ctx.role is None or ctx.role not in MATRIX[feature]:
        return False
    if feature in STORE_FEATURES and ctx.role == UserRole.STORE_MANAGER:
        return ctx.store_id is not None and ctx.store_id == ctx.home_store_id
    return True


def require(ctx: TenantContext, feature: Feature) -> None:
    if allowed(ctx, feature):
        return
    if ctx.role is None:
        raise NotAuthenticated(t("auth.not_signed_in", ctx.locale))
    raise PermissionDenied(t("auth.forbidden", ctx.locale), feature=feature.value)
