"""Stores: the public store page, onboarding (admin) and editing details and policy."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path

from hub_app import db as hub_db
from hub_app.api.v1.deps import (
    Caller, StoreScope, operation_id, public_store, signed_in, signed_in_store_scope,
)
from hub_app.api.v1.errors import error_responses
from hub_app.api.v1.schemas import ManagerOut, StoreCreatedOut, StoreCreateIn, StoreOut, StorePatch
from hub_app.api.v1.serializers import store_out
from hub_app.domain.errors import Conflict, DomainError
from hub_app.domain.stores.models import Store
from hub_app.domain.stores.service import ManagerInput, StoreInput, onboard_store, update_store

router = APIRouter(prefix="/stores", tags=["stores"], generate_unique_id_function=operation_id)


@router.get("/{slug}", response_model=StoreOut, responses=error_responses(404, 422))
def read_store(slug: str = Path(description="The store's slug; an old slug answers the current store."),
               store: Store = Depends(public_store)) -> StoreOut:
    """A store's public details.

    A slug the store used before answers **200 with the current slug** in `slug` (and the old one
    in `redirected_from`) rather than a 301: API clients then need no redirect handling and can
    update the slug they keep.
    """
    return store_out(store, requested_slug=slug)


@router.post("", status_code=201, response_model=StoreCreatedOut,
             responses=error_responses(400, 401, 403, 409, 422))
def create_store(body: StoreCreateIn, caller: Caller = Depends(signed_in)) -> StoreCreatedOut:
    """Admin: create a store together with its manager's account."""
    ctx = caller.context()
    details = StoreInput(**body.model_dump(exclude={"manager"}))
    manager = ManagerInput(**body.manager.model_dump())
    with hub_db.unit_of_work(ctx) as db:
        try:
            store, user = onboard_store(db, ctx, details, manager)
        except DomainError as exc:
            # Only the manager has a password; a taken email can only be the manager's account.
            exc.fields = {
                f"manager.{k}" if k == "password" or (k == "email" and isinstance(exc, Conflict)) else k: v
                for k, v in exc.fields.items()
            }
            raise
        return StoreCreatedOut(store=store_out(store), manager=ManagerOut(id=user.id, email=user.email))


@router.patch("/{slug}", response_model=StoreOut, responses=error_responses(400, 401, 403, 404, 422))
def edit_store(body: StorePatch, scope: StoreScope = Depends(signed_in_store_scope)) -> StoreOut:
    """Change only the fields sent. A new slug keeps the old one working for visitors."""
    with hub_db.unit_of_work(scope.ctx) as db:
        store = update_store(db, scope.ctx, scope.store.id, body.model_dump(exclude_unset=True))
        return store_out(store)
