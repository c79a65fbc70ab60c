"""Every row of the spec's feature matrix, for every role, enforced by `require`."""

from __future__ import annotations

import pytest

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.errors import NotAuthenticated, PermissionDenied
from hub_app.domain.permissions import MATRIX, STORE_FEATURES, Feature, allowed, require
from hub_app.domain.tenancy import TenantContext

# The spec's table (section 3), copied verbatim: feature -> (client, manager, admin).
SPEC_TABLE = {
    "View Store Info & Services": (Feature.VIEW_STORE, True, True, True),
    "Book Appointments": (Feature.BOOK_APPOINTMENTS, True, False, False),
    "Register/Manage Profile": (Feature.MANAGE_PROFILE, True, True, True),
    "View Own Bookings/Services": (Feature.VIEW_OWN_BOOKINGS, True, False, False),
    "Manage Store Info (Address, Photos)": (Feature.MANAGE_STORE_INFO, False, True, True),
    "Define/Manage Services (Price, Time)": (Feature.MANAGE_SERVICES, False, True, True),
    "Manage Calendars (Availability)": (Feature.MANAGE_CALENDARS, False, True, True),
    "View All Clients & Services": (Feature.VIEW_CLIENTS, False, True, True),
    "Send Notifications (Email/SMS)": (Feature.SEND_NOTIFICATIONS, False, True, True),
    "View Bookings (Calendar/List)": (Feature.VIEW_BOOKINGS, False, True, True),
    "Manage Store Subscriptions": (Feature.MANAGE_SUBSCRIPTION, False, True, True),
    "Create/Manage Stores": (Feature.MANAGE_STORES, False, False, True),
    "Create/Manage Store Managers": (Feature.MANAGE_MANAGERS, False, False, True),
    "Set Global Subscription Plans": (Feature.SET_PLANS, False, False, True),
    "Enable/Disable Store Payments": (Feature.TOGGLE_STORE_PAYMENTS, False, False, True),
    "Full Data Access (CRUD)": (Feature.FULL_DATA_ACCESS, False, False, True),
}

STORE = 7


def contexts():
    return {
        UserRole.CLIENT: TenantContext(store_id=STORE, user_id=1, role=UserRole.CLIENT),
        UserRole.STORE_MANAGER: TenantContext(store_id=STORE, user_id=2, role=UserRole.STORE_MANAGER, home_store_id=STORE),
        UserRole.ADMIN: TenantContext(store_id=STORE, user_id=3, role=UserRole.ADMIN),
    }


def test_matrix_has_every_spec_row():
    assert {row[0] for row in SPEC_TABLE.values()} <= set(MATRIX)


@pytest.mark.parametrize("row", sorted(SPEC_TABLE), ids=str)
def test_matrix_row(row):
    feature, *expected = SPEC_TABLE[row]
    for (role, ctx), want in zip(contexts().items(), expected):
        assert allowed(ctx, feature) is want, f"{row}: {role.value}"
        if want:
            require(ctx, feature)
        else:
            with pytest.raises(PermissionDenied):
                require(ctx, feature)


def test_anonymous_may_only_view_stores():
    anon = TenantContext.anonymous(store_id=STORE)
    for feature in Feature:
        if feature == Feature.VIEW_STORE:
            require(anon, feature)
        else:
            with pytest.raises(NotAuthenticated):
                require(anon, feature)


@pytest.mark.parametrize("feature", sorted(STORE_FEATURES), ids=lambda f: f.value)
def test_manager_store_features_only_in_own_store(feature):
    own = TenantContext(store_id=STORE, user_id=2, role=UserRole.STORE_MANAGER, home_store_id=STORE)
    other_store = TenantContext(store_id=STORE + 1, user_id=2, role=UserRole.STORE_MANAGER, home_store_id=STORE)
    assert allowed(own, feature)
    assert not allowed(other_store, feature)
