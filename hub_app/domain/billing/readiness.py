"""Can a store take payments online now? (Its Connect onboarding and the platform's switches.)

A leaf the booking lifecycle reads while booking (hold the slot for payment, or confirm at once)
without importing the rest of billing, which itself builds on bookings.
"""

from __future__ import annotations

from hub_app.domain.billing.gateway import ConnectedAccount
from hub_app.domain.stores.models import Store
from hub_app.i18n import t
from hub_app.settings import get_settings


class OnboardingState:
    NOT_STARTED = "not_started"
    PENDING = "pending"          # account exists, details not submitted yet
    RESTRICTED = "restricted"    # submitted, Stripe still needs something
    COMPLETE = "complete"        # charges and payouts enabled


def onboarding_state_for(account: ConnectedAccount) -> str:
    if account.charges_enabled and account.payouts_enabled:
        return OnboardingState.COMPLETE
    return OnboardingState.RESTRICTED if account.details_submitted else OnboardingState.PENDING


def payments_available(store: Store, locale: str | None = None) -> tuple[bool, str]:
    """Can clients of `store` pay online now? (False, reason for people) otherwise."""
    if not get_settings().stripe_secret_key:
        return False, t("payments.not_configured", locale)
    if not store.stripe_enabled:
        return False, t("payments.disabled_for_store", locale)
    if not store.stripe_account_id or store.stripe_onboarding_state != OnboardingState.COMPLETE:
        return False, t("payments.onboarding_incomplete", locale)
    return True, ""
