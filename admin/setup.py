"""Mount the admin panel at /admin (called by hub_app.api.app.create_api).

Sessions: SQLAdmin's own reads and simple writes use sessions that carry the system tenant
context (bypass), so on PostgreSQL the transaction unlocks cross-store access with the app's
key (hub_app.row_security) and row-level security lets the admin see every store. Writes with business meaning go through
the domain with the signed-in admin's context instead (views.base.run_domain).
"""

from __future__ import annotations

from pathlib import Path

from sqladmin import Admin
from sqladmin.authentication import login_required
from sqladmin.i18n import I18nConfig
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from admin.auth import AdminAuth
from admin.i18n import ADMIN_LOCALES, register_catalogs
from admin.security import SameOriginGuard
from admin.views.dashboard import render_dashboard
from admin.views.registry import ALL_VIEWS
from hub_app import db as hub_db
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import get_settings

TEMPLATES_DIR = Path(__file__).parent / "templates"
ADMIN_PATH = "/admin"


def admin_session_maker(engine=None) -> sessionmaker[Session]:
    """Sessions for SQLAdmin: every one carries the system (cross-store) tenant context."""
    return sessionmaker(bind=engine or hub_db.get_engine(), expire_on_commit=False,
                        info={"tenant": TenantContext.system()})


class HubAdmin(Admin):
    @login_required
    async def index(self, request: Request) -> Response:
        return await render_dashboard(self, request)


def mount_admin(app) -> HubAdmin:
    settings = get_settings()
    register_catalogs()
    auth = AdminAuth(settings.hub_secret_key)
    admin = HubAdmin(
        app,
        session_maker=admin_session_maker(),
        base_url=ADMIN_PATH,
        title="Appointment Hub",
        templates_dir=str(TEMPLATES_DIR),
        authentication_backend=auth,
        middlewares=[Middleware(SameOriginGuard)],
        i18n_config=I18nConfig(default_locale=settings.default_locale if settings.default_locale in ADMIN_LOCALES
                               else "en", language_switcher=ADMIN_LOCALES),
    )
    auth.templates = admin.templates
    for view in ALL_VIEWS:
        admin.add_view(view)
    return admin
