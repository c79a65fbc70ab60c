"""Domain-facing functions of the dashboard's API keys and webhooks sections.

Each opens its own unit of work and returns plain rows (strings) the state keeps; times are
shown in the store's zone and the reader's language. Secrets come back only from the calls that
make them (a new key, a new endpoint, a rotation), for the page to show once.
"""

from __future__ import annotations

from hub_app.db import unit_of_work
from hub_app.domain.api_keys import service as api_keys
from hub_app.domain.outbound_webhooks import delivery_log, endpoints, sending
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_datetime


def _when(value, zone: str, locale: str) -> str:
    return format_datetime(value, zone, locale, "short") if value is not None else ""


def overview(ctx: TenantContext) -> dict:
    """The store's live keys, its endpoints and the newest deliveries."""
    with unit_of_work(ctx) as db:
        zone = dashboard_store(db, ctx).timezone
        keys = [{"id": str(k.id), "name": k.name, "scope": k.scope.value, "prefix": k.display_prefix,
                 "created": _when(k.created_at, zone, ctx.locale), "last_used": _when(k.last_used_at, zone, ctx.locale)}
                for k in api_keys.list_api_keys(db, ctx)]
        hooks = endpoints.list_endpoints(db, ctx)
        urls = {e.id: e.url for e in hooks}
        rows = [{"id": str(e.id), "url": e.url, "description": e.description, "events": ", ".join(e.events),
                 "enabled": "1" if e.enabled else ""} for e in hooks]
        log = [{"id": str(d.id), "event_type": d.event_type, "event_id": d.event_id, "status": d.status.value,
                "attempts": str(d.attempts), "code": str(d.last_status_code or ""), "error": d.last_error or "",
                "created": _when(d.created_at, zone, ctx.locale), "url": urls.get(d.endpoint_id, "")}
               for d in delivery_log.recent_deliveries(db, ctx, limit=30)]
    return {"keys": keys, "endpoints": rows, "deliveries": log}


def create_key(ctx: TenantContext, name: str, scope: str) -> str:
    with unit_of_work(ctx) as db:
        return api_keys.create_api_key(db, ctx, name, scope).key


def revoke_key(ctx: TenantContext, key_id: int) -> None:
    with unit_of_work(ctx) as db:
        api_keys.revoke_api_key(db, ctx, key_id)


def create_endpoint(ctx: TenantContext, url: str, event_types: list[str], description: str) -> str:
    with unit_of_work(ctx) as db:
        return endpoints.create_endpoint(db, ctx, url, event_types, description).secret


def set_enabled(ctx: TenantContext, endpoint_id: int, enabled: bool) -> None:
    with unit_of_work(ctx) as db:
        endpoints.update_endpoint(db, ctx, endpoint_id, enabled=enabled)


def rotate_secret(ctx: TenantContext, endpoint_id: int) -> str:
    with unit_of_work(ctx) as db:
        return endpoints.rotate_secret(db, ctx, endpoint_id).secret


def delete_endpoint(ctx: TenantContext, endpoint_id: int) -> None:
    with unit_of_work(ctx) as db:
        endpoints.delete_endpoint(db, ctx, endpoint_id)


def delivery_detail(ctx: TenantContext, delivery_id: int) -> dict:
    with unit_of_work(ctx) as db:
        zone = dashboard_store(db, ctx).timezone
        row, attempts = delivery_log.delivery_attempts(db, ctx, delivery_id)
        return {
            "id": str(row.id), "event_id": row.event_id, "event_type": row.event_type, "status": row.status.value,
            "payload": row.payload,
            "attempts": [{"number": str(a.number), "at": _when(a.created_at, zone, ctx.locale),
                          "code": str(a.status_code or ""), "ms": str(a.duration_ms), "error": a.error or "",
                          "body": a.response_body or ""} for a in attempts],
        }


def resend(ctx: TenantContext, delivery_id: int) -> None:
    with unit_of_work(ctx) as db:
        sending.resend(db, ctx, delivery_id)
