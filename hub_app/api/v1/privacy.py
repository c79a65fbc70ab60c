"""Personal data (GDPR): a client's export and erasure of their account, and a store's export and
removal of one of its clients, over the same domain functions as the pages."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from hub_app.api.v1.deps import Caller, StoreScope, operation_id, signed_in, signed_in_store_scope
from hub_app.api.v1.errors import error_responses
from hub_app.domain.privacy.erase import ErasurePlan, erase_account, erasure_plan
from hub_app.domain.privacy.export import export_account, export_store_client
from hub_app.domain.privacy.export_files import export_html, export_json, export_zip, file_stem
from hub_app.domain.privacy.store_erase import erase_store_client, store_erasure_plan

router = APIRouter(tags=["privacy"], generate_unique_id_function=operation_id)

ExportFormat = Literal["json", "html", "zip"]
ClientId = Annotated[int, Path(ge=1, le=2_147_483_647)]
_MEDIA = {"json": "application/json", "html": "text/html; charset=utf-8", "zip": "application/zip"}
EXPORT_RESPONSES = {
    200: {"description": "The export as a download: JSON (documented keys, see the README), a readable "
                         "HTML page, or a zip holding both.",
          "content": {media.split(";")[0]: {} for media in _MEDIA.values()}},
    **error_responses(401, 403, 404, 422, 429),
}


class ErasureIn(BaseModel):
    password: str = Field(default="", max_length=200, description="The account's current password.")
    confirm: bool = Field(default=False, description="Must be true: the erasure cannot be undone.")


class StoreErasureIn(BaseModel):
    confirm: bool = Field(default=False, description="Must be true: the removal cannot be undone.")


class FutureBookingOut(BaseModel):
    booking_id: int
    store: str
    service: str
    start_at: datetime
    refund: Decimal
    currency: str


class SubscriptionOut(BaseModel):
    subscription_id: int
    store: str
    service: str


class ErasurePlanOut(BaseModel):
    """What an erasure will do, before it is done."""

    stores: list[str]
    bookings_kept: int
    payments_kept: int
    future_bookings_cancelled: list[FutureBookingOut]
    subscriptions_cancelled: list[SubscriptionOut]
    confirmation_email: bool


class ErasureOut(BaseModel):
    bookings_cancelled: int
    bookings_kept: int
    payments_kept: int
    subscriptions_cancelled: int
    confirmation_email: bool


def _download(document: dict, fmt: str, locale: str) -> Response:
    if fmt == "zip":
        content = export_zip(document, locale)
    elif fmt == "html":
        content = export_html(document, locale).encode("utf-8")
    else:
        content = export_json(document)
    return Response(content, media_type=_MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="{file_stem(document)}.{fmt}"', "Cache-Control": "no-store"})


def _plan_out(plan: ErasurePlan) -> ErasurePlanOut:
    return ErasurePlanOut(
        stores=list(plan.stores), bookings_kept=plan.bookings_kept, payments_kept=plan.payments_kept,
        future_bookings_cancelled=[FutureBookingOut(booking_id=f.booking_id, store=f.store, service=f.service,
                                                    start_at=f.start_at, refund=f.refund, currency=f.currency)
                                   for f in plan.future_bookings],
        subscriptions_cancelled=[SubscriptionOut(**asdict(s)) for s in plan.subscriptions],
        confirmation_email=plan.email_sent)


@router.get("/me/export", response_class=Response, responses=EXPORT_RESPONSES)
def export_my_data(caller: Caller = Depends(signed_in),
                   format: Annotated[ExportFormat, Query(description="json, html or zip (both)")] = "json") -> Response:
    """Everything held about the caller, in every store. At most 5 exports a day (429 after)."""
    document = export_account(caller.context(), caller.user.id)
    return _download(document, format, caller.locale)


@router.get("/me/erasure", response_model=ErasurePlanOut, responses=error_responses(401, 403, 404))
def my_erasure_plan(caller: Caller = Depends(signed_in)) -> ErasurePlanOut:
    """What `POST /me/erase` would do: the bookings kept and cancelled, the subscriptions stopped."""
    return _plan_out(erasure_plan(caller.context(), caller.user.id))


@router.post("/me/erase", response_model=ErasureOut,
             responses=error_responses(400, 401, 403, 404, 409, 422, 429))
def erase_my_account(body: ErasureIn, caller: Caller = Depends(signed_in)) -> ErasureOut:
    """Erase the caller's account (clients only) with their password and `confirm: true`. Live
    subscriptions are cancelled on Stripe first (409 and nothing changed when that fails), future
    bookings are cancelled under each store's policy, a confirmation is emailed, and every personal
    detail is removed; bookings and payments stay for the stores without the person. Every session
    ends: the token stops working and the email address can register again."""
    result = erase_account(caller.context(), caller.user.id, password=body.password, confirmed=body.confirm)
    return ErasureOut(bookings_cancelled=result.bookings_cancelled, bookings_kept=result.bookings_kept,
                      payments_kept=result.payments_kept, subscriptions_cancelled=result.subscriptions_cancelled,
                      confirmation_email=result.email_queued)


@router.get("/stores/{slug}/clients/{user_id}/export", response_class=Response, responses=EXPORT_RESPONSES)
def export_store_client_data(user_id: ClientId, scope: StoreScope = Depends(signed_in_store_scope),
                             format: Annotated[ExportFormat, Query()] = "json") -> Response:
    """Staff: what this store holds about one of its clients (on the client's request)."""
    document = export_store_client(scope.ctx, user_id)
    return _download(document, format, scope.caller.locale)


@router.get("/stores/{slug}/clients/{user_id}/erasure", response_model=ErasurePlanOut,
            responses=error_responses(401, 403, 404, 422))
def store_client_erasure_plan(user_id: ClientId, scope: StoreScope = Depends(signed_in_store_scope)) -> ErasurePlanOut:
    return _plan_out(store_erasure_plan(scope.ctx, user_id))


@router.post("/stores/{slug}/clients/{user_id}/erase", response_model=ErasureOut,
             responses=error_responses(400, 401, 403, 404, 409, 422))
def erase_store_client_data(user_id: ClientId, body: StoreErasureIn,
                            scope: StoreScope = Depends(signed_in_store_scope)) -> ErasureOut:
    """Staff, on the client's request: remove the client from THIS store's records. Their bookings
    and payments here stay as an anonymous client's; future bookings here are cancelled and
    refunded; the account and other stores are untouched (a store cannot erase an account)."""
    result = erase_store_client(scope.ctx, user_id, confirmed=body.confirm)
    return ErasureOut(bookings_cancelled=result.bookings_cancelled, bookings_kept=result.bookings_kept,
                      payments_kept=result.payments_kept, subscriptions_cancelled=result.subscriptions_cancelled,
                      confirmation_email=result.email_queued)
