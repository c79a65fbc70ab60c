"""Inviting a person to be a store's client (managers, admins), and the person accepting."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from hub_app import db as hub_db
from hub_app.api.v1.deps import Caller, StoreScope, operation_id, optional_caller, signed_in_store_scope
from hub_app.api.v1.errors import error_responses
from hub_app.api.v1.schemas import Input, Locale, Text
from hub_app.api.v1.serializers import local
from hub_app.domain.accounts.service import ClientDetails
from hub_app.domain.clients import invites
from hub_app.domain.clients.models import StoreClient
from hub_app.domain.errors import PermissionDenied, ValidationFailed
from hub_app.i18n import t

router = APIRouter(tags=["clients"], generate_unique_id_function=operation_id)


class InviteIn(Input):
    email: Text(254, 1)
    first_name: Text(100) = ""
    last_name: Text(100) = ""


class InviteOut(BaseModel):
    """Only what the store typed: nothing about any account the address may have."""

    id: int
    email: str
    first_name: str
    last_name: str
    status: str
    invited_at: datetime | None


class InviteRegistrationIn(Input):
    """A new account made through the link; its email is the invited address."""

    first_name: Text(100, 1)
    last_name: Text(100, 1)
    age: Annotated[int, Field(ge=0, le=150)]
    phone: Text(40, 1)
    address: Text(300, 1)
    password: Text(1024, 1)
    locale: Locale = "en"


class InviteAcceptIn(Input):
    token: Text(1000, 1)
    client: InviteRegistrationIn | None = Field(
        None, description="Without a bearer token: register with the invited address and accept.")


class InviteAccepted(BaseModel):
    store_id: int
    user_id: int


def _out(row: StoreClient, tz: str) -> InviteOut:
    return InviteOut(id=row.id, email=row.email, first_name=row.first_name, last_name=row.last_name,
                     status=row.status.value, invited_at=local(row.invited_at, tz) if row.invited_at else None)


@router.post("/stores/{slug}/clients/invites", status_code=201, response_model=InviteOut,
             responses=error_responses(400, 401, 403, 404, 409, 422, 429))
def invite_client(body: InviteIn, scope: StoreScope = Depends(signed_in_store_scope)) -> InviteOut:
    """Email a signed, single-use link (valid 7 days) inviting the person to be a client of this
    store. Staff can book for them once they accept. The answer is the same whether or not the
    address has an account."""
    with hub_db.unit_of_work(scope.ctx) as db:
        invitation = invites.invite_client(db, scope.ctx, body.email, body.first_name, body.last_name)
        return _out(invitation.client, scope.store.timezone)


@router.get("/stores/{slug}/clients/invites", response_model=list[InviteOut],
            responses=error_responses(401, 403, 404, 422))
def list_invites(scope: StoreScope = Depends(signed_in_store_scope)) -> list[InviteOut]:
    """Invitations nobody accepted yet."""
    with hub_db.unit_of_work(scope.ctx) as db:
        return [_out(row, scope.store.timezone) for row in invites.pending_invitations(db, scope.ctx)]


@router.post("/invites/accept", response_model=InviteAccepted, responses={
    201: {"model": InviteAccepted, "description": "Registered through the link and accepted."},
    **error_responses(400, 401, 403, 409, 422)})
def accept_invite(body: InviteAcceptIn, response: Response,
                  caller: Caller = Depends(optional_caller)) -> InviteAccepted:
    """Accept a store's invitation: signed in (bearer token), or registering with `client`."""
    if caller.api_key is not None:
        raise PermissionDenied(t("api.key_person_only", caller.locale))
    if caller.user is not None and body.client is not None:
        message = t("api.client_with_token", caller.locale)
        raise ValidationFailed(message, fields={"client": message})
    with hub_db.unit_of_work(caller.context()) as db:
        if caller.user is not None:
            row = invites.accept_invite(db, caller.context(), body.token)
            return InviteAccepted(store_id=row.store_id, user_id=caller.user.id)
        if body.client is None:
            message = t("api.client_required", caller.locale)
            raise ValidationFailed(message, fields={"client": message})
        details = ClientDetails(email="", **body.client.model_dump())
        user = invites.accept_invite_registering(db, body.token, details)
        response.status_code = 201
        return InviteAccepted(store_id=invites.invite_store_id(body.token), user_id=user.id)
