"""The signed-in user's own profile, password and bookings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from hub_app import db as hub_db
from hub_app.api.v1.deps import Caller, operation_id, signed_in_person
from hub_app.api.v1.errors import error_responses
from hub_app.api.v1.schemas import BookingOut, PasswordChangeIn, ProfileOut, ProfilePatch
from hub_app.api.v1.serializers import booking_out, profile_out
from hub_app.domain.accounts import email_change
from hub_app.domain.accounts.service import change_password
from hub_app.domain.bookings import service as bookings
from hub_app.domain.stores.service import get_store
from hub_app.settings import get_settings

router = APIRouter(prefix="/me", tags=["me"], generate_unique_id_function=operation_id)


@router.get("", response_model=ProfileOut, responses=error_responses(401))
def read_profile(caller: Caller = Depends(signed_in_person)) -> ProfileOut:
    return profile_out(caller.user)


@router.patch("", response_model=ProfileOut, responses=error_responses(400, 401, 403, 422))
def edit_profile(body: ProfilePatch, caller: Caller = Depends(signed_in_person)) -> ProfileOut:
    """Change only the fields sent; each is checked as at registration. A new `email` needs
    `current_password` and takes effect once the link e-mailed to it is followed (`pending_email`);
    the old address is told."""
    changes = body.model_dump(exclude_unset=True)
    current_password = changes.pop("current_password", None)
    with hub_db.unit_of_work(caller.context()) as db:
        edit = email_change.edit_profile(db, caller.context(), changes, region=get_settings().default_phone_region,
                                         current_password=current_password)
        return profile_out(edit.user, edit.pending_email)


@router.post("/password", status_code=204, response_class=Response,
             responses=error_responses(400, 401, 422))
def edit_password(body: PasswordChangeIn, caller: Caller = Depends(signed_in_person)) -> Response:
    """Change the password. Every session ends, this token's too: sign in again afterwards."""
    with hub_db.unit_of_work(caller.context()) as db:
        change_password(db, caller.context(), body.current_password, body.new_password)
    return Response(status_code=204)


@router.get("/bookings", response_model=list[BookingOut], responses=error_responses(401, 403))
def list_my_bookings(caller: Caller = Depends(signed_in_person)) -> list[BookingOut]:
    """The caller's bookings in every store."""
    ctx = caller.context()
    with hub_db.unit_of_work(ctx) as db:
        rows = bookings.my_bookings(db, ctx)
        stores = {sid: get_store(db, sid, ctx.locale) for sid in {b.store_id for b in rows}}
        return [booking_out(b, stores[b.store_id]) for b in rows]
