"""What a store shows on its public page: bookable services and photos.

Reads only. The session's tenant context (an anonymous context with the store's id is enough)
limits every query to that store.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import Calendar, CalendarService, Service
from hub_app.domain.stores.models import StorePhoto
from hub_app.domain.tenancy import TenantContext


def bookable_services(db: Session, ctx: TenantContext) -> list[Service]:
    """Services that are not archived and are offered by at least one active calendar."""
    require(ctx, Feature.VIEW_STORE)
    offered = exists().where(
        CalendarService.service_id == Service.id,
        CalendarService.calendar_id == Calendar.id,
        Calendar.is_active.is_(True),
    )
    query = select(Service).where(Service.is_archived.is_(False), offered).order_by(Service.name, Service.id)
    return list(db.scalars(query))


def store_photos(db: Session, ctx: TenantContext) -> list[StorePhoto]:
    require(ctx, Feature.VIEW_STORE)
    return list(db.scalars(select(StorePhoto).order_by(StorePhoto.position, StorePhoto.id)))
