"""Domain-facing functions of the Integrations section: Calendly and Stripe Connect onboarding.

Functions here may wait on Calendly or Stripe: the state runs them in a worker thread.
The Calendly token goes from the form straight to `calendly.connect` and is never returned.
"""

from __future__ import annotations

from hub_app.db import unit_of_work
from hub_app.domain.billing import service as billing
from hub_app.domain.calendar_sync.calendly_targets import write_targets
from hub_app.domain.calendly import jobs as calendly_jobs
from hub_app.domain.calendly import service as calendly
from hub_app.domain.calendly.client import CalendlyError, EventType
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling import service as scheduling
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_datetime, t
from hub_app.settings import get_settings

# --- Calendly ---------------------------------------------------------------------------------


def calendly_status(ctx: TenantContext) -> dict:
    """The connection as the page shows it, plus the store's calendars and services to map to."""
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        status = calendly.status(db, ctx)
        calendars = scheduling.list_calendars(db, ctx)
        services = scheduling.list_services(db, ctx)
        links = [{"uri": link.event_type_uri, "name": link.name, "calendar_id": str(link.calendar_id),
                  "service_id": str(link.service_id)} for link in status.links]
        targets = [{"calendar_id": str(w.calendar_id), "calendar": w.calendar_name, "target": w.target or "",
                    "state": w.state or "", "calendly": "1" if w.linked_to_calendly else "",
                    "warn": "1" if w.needs_target else ""} for w in write_targets(db, ctx)]
    return {
        "status": {
            "state": status.state, "webhook": status.webhook_state or "", "error": status.last_error or "",
            "synced": format_datetime(status.last_synced_at, store.timezone, ctx.locale, "short")
            if status.last_synced_at else "",
            "has_token": "1" if status.state in ("connected", "broken") else "",
        },
        "calendars": [{"id": str(c.id), "name": c.name} for c in calendars],
        "services": [{"id": str(s.id), "name": s.name} for s in services],
        "links": links,
        "write_targets": targets,
    }


def listed(event_types: list[EventType]) -> list[dict[str, str]]:
    """Calendly's event types as the plain rows the state keeps (to redraw without asking again)."""
    return [{"uri": e.uri, "name": e.name or e.uri.rsplit("/", 1)[-1], "duration": str(e.duration_minutes or ""),
             "active": "1" if e.active else ""} for e in event_types]


def event_type_rows(event_types: list[dict[str, str]], links: list[dict[str, str]], calendars: list[dict[str, str]],
                    services: list[dict[str, str]]) -> list[dict[str, str]]:
    """One row per Calendly event type with the calendar and service it is mapped to (or "")."""
    by_uri = {link["uri"]: link for link in links}
    calendar_names = {c["id"]: c["name"] for c in calendars}
    service_names = {s["id"]: s["name"] for s in services}
    rows = []
    for event_type in event_types:
        link = by_uri.get(event_type["uri"], {})
        calendar_id, service_id = link.get("calendar_id", ""), link.get("service_id", "")
        mapped = [n for n in (calendar_names.get(calendar_id, ""), service_names.get(service_id, "")) if n]
        rows.append({**event_type, "calendar_id": calendar_id, "service_id": service_id, "mapped": " · ".join(mapped)})
    return rows


def connect(ctx: TenantContext, token: str) -> list[dict[str, str]]:
    with unit_of_work(ctx) as db:
        _, event_types = calendly.connect(db, ctx, token)
    return listed(event_types)


def list_event_types(ctx: TenantContext) -> list[dict[str, str]]:
    """The connected user's event types, or [] when Calendly is not connected."""
    with unit_of_work(ctx) as db:
        if calendly.status(db, ctx).state != "connected":
            return []
        return listed([mapping.event_type for mapping in calendly.list_event_types(db, ctx)])


def map_event_type(ctx: TenantContext, uri: str, calendar_id: int | None, service_id: int | None, name: str) -> None:
    errors = {}
    if calendar_id is None:
        errors["calendar_id"] = t("validation.required", ctx.locale)
    if service_id is None:
        errors["service_id"] = t("validation.required", ctx.locale)
    if errors:
        raise ValidationFailed(t("manage.integrations.choose_both", ctx.locale), fields=errors)
    with unit_of_work(ctx) as db:
        calendly.map_event_type(db, ctx, uri, calendar_id, service_id, name)


def unmap_event_type(ctx: TenantContext, uri: str) -> None:
    with unit_of_work(ctx) as db:
        calendly.unmap_event_type(db, ctx, uri)


def refresh_webhook(ctx: TenantContext) -> str:
    with unit_of_work(ctx) as db:
        return calendly.refresh_subscription(db, ctx).webhook_state or ""


def disconnect(ctx: TenantContext) -> None:
    with unit_of_work(ctx) as db:
        calendly.disconnect(db, ctx)


def sync_now(ctx: TenantContext) -> str:
    """Run the store's sync with Calendly now (what the periodic job does); returns what it did."""
    with unit_of_work(ctx) as db:
        require(ctx, Feature.MANAGE_CALENDARS)
        store_id = dashboard_store(db, ctx).id
        if calendly.status(db, ctx).state != "connected":
            message = t("calendly.not_connected", ctx.locale)
            raise ValidationFailed(message, fields={"token": message})
    try:
        # The job's own context: system work inside this one store, as the worker runs it.
        result = calendly_jobs.reconcile(store_id)
    except CalendlyError as exc:
        raise calendly.unavailable(exc, ctx.locale) from exc
    if result.state == "broken":
        message = t("calendly.token_rejected", ctx.locale)
        raise ValidationFailed(message, fields={"token": message})
    return t("manage.integrations.synced", ctx.locale, events=result.events, created=result.created,
             cancelled=result.cancelled)


# --- Stripe Connect ---------------------------------------------------------------------------


def payments_status(ctx: TenantContext) -> dict[str, str]:
    with unit_of_work(ctx) as db:
        require(ctx, Feature.MANAGE_STORE_INFO)
        store = dashboard_store(db, ctx)
        available, reason = billing.payments_available(store, ctx.locale)
        return {
            "available": "1" if available else "", "reason": reason, "state": store.stripe_onboarding_state,
            "configured": "1" if get_settings().stripe_secret_key else "",
            "enabled": "1" if store.stripe_enabled else "",
        }


def _back_url(base_url: str, query: str, outcome: str) -> str:
    """`query` is "" or the admin's "?store=<slug>"; Stripe sends the manager back here."""
    return f"{base_url}/manage/integrations{query}{'&' if query else '?'}stripe={outcome}"


def start_onboarding(ctx: TenantContext, base_url: str, query: str) -> str:
    """A fresh Stripe onboarding link for the store (its account is created the first time)."""
    with unit_of_work(ctx) as db:
        return billing.start_onboarding(db, ctx, return_url=_back_url(base_url, query, "return"),
                                        refresh_url=_back_url(base_url, query, "refresh"))


def refresh_onboarding(ctx: TenantContext) -> dict[str, str]:
    with unit_of_work(ctx) as db:
        billing.refresh_onboarding(db, ctx)
    return payments_status(ctx)
