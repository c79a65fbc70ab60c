"""The clients section: one page of clients, a client's card, the clients CSV and invitations."""

from __future__ import annotations

from hub_app.db import unit_of_work
from hub_app.domain.billing.service_subscription_views import client_subscriptions
from hub_app.domain.bookings.queries import list_clients, next_client_cursor
from hub_app.domain.clients.card import client_card
from hub_app.domain.clients.invites import invite_client, pending_invitations
from hub_app.domain.reporting.export_links import clients_export_link
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_datetime
from hub_app.manage.shell.present import booking_row
from hub_app.state.subscription_rows import subscription_row


def client_rows(ctx: TenantContext, search: str, cursor: str,
                size: int) -> tuple[list[dict[str, str]], int, str]:
    """One page of clients (after `cursor`), how many match (capped), and the next page's cursor."""
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        clients, total = list_clients(db, ctx, search=search or None, limit=size, cursor=cursor or None)
    following = next_client_cursor(clients, size) or ""
    return [{
        "id": str(c.user_id), "name": c.full_name, "email": c.email, "phone": c.phone_number or "",
        "bookings": str(c.bookings_count),
        "last": format_datetime(c.last_booking_start, store.timezone, ctx.locale, "short") if c.last_booking_start else "",
    } for c in clients], total, following


def client_detail(ctx: TenantContext, client_user_id: int) -> dict:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        card = client_card(db, ctx, client_user_id)
        subscribed = client_subscriptions(db, ctx, client_user_id)
    return {
        "client": {"id": str(card.user_id), "name": card.name, "email": card.email, "phone": card.phone,
                   "address": card.address, "age": "" if card.age is None else str(card.age)},
        "bookings": [booking_row(b, store.timezone, ctx.locale) for b in card.bookings],
        "subscriptions": [subscription_row(view, ctx.locale) for view in subscribed],
    }


def export_link(ctx: TenantContext, search: str) -> str:
    """The download path of the store's clients (matching `search`), streamed over HTTP."""
    with unit_of_work(ctx) as db:
        return clients_export_link(db, ctx, search or None)


def send_invitation(ctx: TenantContext, email: str, first_name: str, last_name: str) -> str:
    """Invite `email`; returns the address as stored (lower-cased)."""
    with unit_of_work(ctx) as db:
        dashboard_store(db, ctx)
        return invite_client(db, ctx, email, first_name, last_name).client.email


def invitation_rows(ctx: TenantContext) -> list[dict[str, str]]:
    """Pending invitations: only what the store typed."""
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        rows = pending_invitations(db, ctx)
        return [{"id": str(r.id), "email": r.email, "name": r.full_name,
                 "sent": format_datetime(r.invited_at, store.timezone, ctx.locale, "short") if r.invited_at else ""}
                for r in rows]
