"""Sign-in and sign-out: bearer tokens are the domain's session tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from hub_app import db as hub_db
from hub_app.api.v1.deps import Caller, operation_id, request_locale, signed_in_person
from hub_app.api.v1.errors import error_responses
from hub_app.api.v1.schemas import EmailConfirmedOut, EmailConfirmIn, TokenIn, TokenOut
from hub_app.domain.accounts.email_change import confirm_email_change
from hub_app.domain.accounts.service import authenticate, logout
from hub_app.domain.accounts.session_life import session_lifetimes
from hub_app.domain.accounts.signin_throttle import make_device_token
from hub_app.domain.errors import NotAuthenticated, RateLimited
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

router = APIRouter(prefix="/auth", tags=["auth"], generate_unique_id_function=operation_id)


@router.post("/token", response_model=TokenOut, responses=error_responses(400, 401, 422, 429))
def issue_token(body: TokenIn, request: Request) -> TokenOut:
    """Exchange email and password for a bearer token. Repeated failures answer 429."""
    locale = request_locale(request)
    ip = request.client.host if request.client else None
    # Taken before the session row is written, so the reported expiry is never later than the real one.
    issued_at = utcnow()
    failure: NotAuthenticated | RateLimited | None = None
    with hub_db.unit_of_work(TenantContext.anonymous(locale=locale)) as db:
        try:
            user, token = authenticate(db, body.email, body.password, ip=ip, locale=locale,
                                       device_token=body.device_token)
        except (NotAuthenticated, RateLimited) as exc:
            # Leave the block normally so the failed attempt is committed: throttling counts it.
            failure = exc
    if failure is not None:
        raise failure
    expires_at = issued_at + min(session_lifetimes())
    return TokenOut(access_token=token, expires_at=expires_at.replace(microsecond=0),
                    device_token=make_device_token(user))


@router.post("/logout", status_code=204, response_class=Response, responses=error_responses(401))
def revoke_token(caller: Caller = Depends(signed_in_person)) -> Response:
    """End the session of the token used for this request."""
    with hub_db.unit_of_work(caller.context()) as db:
        logout(db, caller.token)
    return Response(status_code=204)


@router.post("/confirm-email", response_model=EmailConfirmedOut, responses=error_responses(400, 422))
def confirm_email(body: EmailConfirmIn, request: Request) -> EmailConfirmedOut:
    """Follow an email-change link: the account signs in with the new address from now on."""
    locale = request_locale(request)
    with hub_db.unit_of_work(TenantContext.anonymous(locale=locale)) as db:
        user = confirm_email_change(db, TenantContext.anonymous(locale=locale), body.token)
        return EmailConfirmedOut(email=user.email)
