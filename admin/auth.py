"""Admin sign-in: the same users table and throttling as the rest of the product, admins only.

The signed session cookie holds the raw session token that accounts.service issued; each request
looks it up again (`user_for_token`), so revoking the token (logout, deactivation, a password
change) ends the admin session at once.
"""

from __future__ import annotations

import anyio
from sqladmin.authentication import AuthenticationBackend
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin.i18n import current_locale, text
from admin.security import ADMIN_SESSION_COOKIE, SchemeAwareSessionMiddleware
from hub_app.db import open_session, unit_of_work
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import authenticate, logout, user_for_token
from hub_app.domain.accounts.signin_throttle import make_device_token
from hub_app.domain.errors import NotAuthenticated, PermissionDenied, RateLimited
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t
from hub_app.settings import get_settings

SESSION_TOKEN_KEY = "token"
ADMIN_DEVICE_COOKIE = "hub_admin_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600


def sign_in_admin(email: str, password: str, ip: str | None, locale: str,
                  device_token: str | None = None) -> tuple[str, str]:
    """Check credentials through the domain; returns a session token of an admin and the
    device token this browser keeps for its next sign-ins."""
    db = open_session(TenantContext.system())
    try:
        try:
            user, token = authenticate(db, email, password, ip=ip, locale=locale, device_token=device_token)
        except (NotAuthenticated, RateLimited):
            db.commit()  # keep the failed attempt: it is what throttles the next ones
            raise
        if user.role != UserRole.ADMIN:
            logout(db, token)  # the session just opened must not outlive the refusal
            db.commit()
            raise PermissionDenied(text("only_admins"))
        db.commit()
        return token, make_device_token(user)
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


def admin_for_token(token: str) -> AppUser | None:
    with unit_of_work(TenantContext.system()) as db:
        user = user_for_token(db, token)
        return user if user is not None and user.role == UserRole.ADMIN else None


def revoke_token(token: str) -> None:
    with unit_of_work(TenantContext.system()) as db:
        logout(db, token)


class AdminAuth(AuthenticationBackend):
    def __init__(self, secret_key: str) -> None:
        settings = get_settings()
        # Not calling super().__init__: it installs a session middleware without per-request Secure.
        self.middlewares = [Middleware(
            SchemeAwareSessionMiddleware, secret_key=secret_key, session_cookie=ADMIN_SESSION_COOKIE,
            path="/admin", same_site="lax", max_age=settings.session_max_days * 24 * 3600,
        )]
        self.templates = None  # set by mount_admin: the admin's template engine renders the login page

    async def login(self, request: Request) -> Response | bool:
        form = await request.form()
        email = str(form.get("username") or "")
        password = str(form.get("password") or "")
        ip = request.client.host if request.client else None
        locale = current_locale()
        device = request.cookies.get(ADMIN_DEVICE_COOKIE)
        try:
            token, device = await anyio.to_thread.run_sync(sign_in_admin, email, password, ip, locale, device)
        except RateLimited as exc:
            response = await self._login_page(request, exc.message, 429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except NotAuthenticated:
            return await self._login_page(request, t("auth.invalid_credentials", locale), 400)
        except PermissionDenied as exc:
            return await self._login_page(request, exc.message, 403)
        request.session.clear()
        request.session[SESSION_TOKEN_KEY] = token
        response = RedirectResponse(request.url_for("admin:index"), status_code=302)
        # Outlives the session (logout keeps it): this browser stays a known device of the admin.
        response.set_cookie(ADMIN_DEVICE_COOKIE, device, max_age=DEVICE_COOKIE_MAX_AGE, path="/admin",
                            httponly=True, samesite="lax", secure=request.url.scheme == "https")
        return response

    async def logout(self, request: Request) -> Response | bool:
        token = request.session.get(SESSION_TOKEN_KEY)
        if token:
            await anyio.to_thread.run_sync(revoke_token, token)
        request.session.clear()
        return RedirectResponse(request.url_for("admin:login"), status_code=302)

    async def authenticate(self, request: Request) -> Response | bool:
        token = request.session.get(SESSION_TOKEN_KEY)
        if not token:
            return False
        user = await anyio.to_thread.run_sync(admin_for_token, token)
        if user is None:
            request.session.clear()
            return False
        request.state.admin_user = user
        return True

    async def get_user_id(self, request: Request):
        user = getattr(request.state, "admin_user", None)
        return user.id if user is not None else None

    async def _login_page(self, request: Request, error: str, status_code: int) -> Response:
        return await self.templates.TemplateResponse(
            request, "sqladmin/login.html", {"error": error}, status_code=status_code
        )
