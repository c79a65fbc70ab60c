"""The dashboard's invitations: a manager invites someone new by email (they join on accepting)."""

from __future__ import annotations

from hub_app.db import unit_of_work
from hub_app.domain.clients.invites import invite_client, pending_invitations
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_datetime


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
