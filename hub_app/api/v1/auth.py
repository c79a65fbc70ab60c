"""Sign-in and sign-out: bearer tokens are the domain's session tokens."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request, Response

from hub_app import db as hub_db
from hub_app.api.v1.deps import Caller, operation_id, request_locale, signed_in
from hub_app.api.v1.errors import error_responses
from hub_app.api.v1.schemas import TokenIn, TokenOut
from hub_app.domain.accounts.service import authenticate, logout
from hub_app.domain.errors import NotAuthenticated
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.settings import get_settings

router = APIRouter(prefix="/auth", tags=["auth"], generate_unique_id_function=operation_id)


@router.post("/token", response_model=TokenOut, responses=error_responses(400, 401, 422, 429))
def issue_token(body: TokenIn, request: Request) -> TokenOut:
    """Exchange email and password for a bearer token. Repeated failures answer 429."""
    locale = request_locale(request)
    ip = request.client.host if request.client else None
    # Taken before the session row is written, so the reported expiry is never later than the real one.
    issued_at = utcnow()
    failure: NotAuthenticated | None = None
    with hub_db.unit_of_work(TenantContext.anonymous(locale=locale)) as db:
        try:
            _user, token = authenticate(db, body.email, body.password, ip=ip, locale=locale)
        except NotAuthenticated as exc:
            # Leave the block normally so the failed attempt is committed: throttling counts it.
            failure = exc
    if failure is not None:
        raise failure
    expires_at = issued_at + timedelta(hours=get_settings().session_ttl_hours)
    return TokenOut(access_token=token, expires_at=expires_at.replace(microsecond=0))


@router.post("/logout", status_code=204, response_class=Response, responses=error_responses(401))
def revoke_token(caller: Caller = Depends(signed_in)) -> Response:
    """End the session of the token used for this request."""
    with hub_db.unit_of_work(caller.context()) as db:
        logout(db, caller.token)
    return Response(status_code=204)
