"""The payments gateway the settings configure, and the errors for people when it is missing or
fails (kept out of `gateway`, the interface, so the Stripe implementation can import the
interface without a circle)."""

from __future__ import annotations

from hub_app.domain.billing.gateway import GatewayError, PaymentsGateway
from hub_app.domain.errors import Conflict
from hub_app.i18n import t
from hub_app.settings import get_settings


def get_gateway() -> PaymentsGateway | None:
    """The configured gateway, or None when STRIPE_SECRET_KEY is unset (payments off)."""
    settings = get_settings()
    if not settings.stripe_secret_key:
        return None
    # Imported on use: stripe-python is loaded only where payments are configured.
    from hub_app.domain.billing.stripe_gateway import StripeGateway

    return StripeGateway.from_settings(settings)


def require_gateway(locale: str | None = None) -> PaymentsGateway:
    gateway = get_gateway()
    if gateway is None:
        raise Conflict(t("payments.not_configured", locale))
    return gateway


def gateway_failure(exc: GatewayError, locale: str | None) -> Conflict:
    return Conflict(t("payments.provider_error", locale, detail=str(exc)), provider_code=exc.code)
