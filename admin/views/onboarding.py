"""'New store + manager': one form that creates both and emails the manager a password link."""

from __future__ import annotations

from sqladmin import BaseView, Flash, expose
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin.i18n import label, text
from admin.views.base import MENU_STORES, run_domain
from hub_app.domain.errors import DomainError
from hub_app.domain.stores.administration import onboard_store_with_manager
from hub_app.domain.stores.service import StoreInput
from hub_app.settings import get_settings

STORE_FIELDS = ("name", "slug", "timezone", "currency", "locale", "address", "city", "country", "phone_number", "email")
MANAGER_FIELDS = ("manager_email", "manager_first_name", "manager_last_name")


def onboard(db, ctx, form: dict):
    settings = get_settings()
    optional = {k: form.get(k) or None for k in ("address", "city", "country", "phone_number", "email")}
    store = StoreInput(name=form.get("name", ""), slug=form.get("slug", ""),
                       timezone=form.get("timezone") or settings.default_timezone,
                       currency=form.get("currency") or settings.default_currency,
                       locale=form.get("locale") or "en", **optional)
    return onboard_store_with_manager(db, ctx, store, form.get("manager_email", ""),
                                      form.get("manager_first_name", ""), form.get("manager_last_name", ""))


class OnboardingView(BaseView):
    name = label("view.onboarding", "New store + manager")
    icon = "fa-solid fa-wand-magic-sparkles"
    category = MENU_STORES

    @expose("/onboarding", methods=["GET", "POST"], identity="onboarding")
    async def onboarding(self, request: Request) -> Response:
        settings = get_settings()
        values = {"timezone": settings.default_timezone, "currency": settings.default_currency, "locale": "en"}
        errors: dict[str, str] = {}
        error = None
        if request.method == "POST":
            form = await request.form()
            values = {k: str(form.get(k) or "").strip() for k in STORE_FIELDS + MANAGER_FIELDS}
            try:
                result = await run_domain(request, onboard, values)
            except DomainError as exc:
                error, errors = exc.message, exc.fields
            else:
                Flash.success(request, text("done.onboarded", store=result.store.name, email=result.manager.email))
                return RedirectResponse(request.url_for("admin:details", identity="store", pk=result.store.id),
                                        status_code=302)
        return await self.templates.TemplateResponse(request, "hub_admin/onboarding.html", {
            "title": text("view.onboarding"), "values": values, "errors": errors, "error": error,
            "store_fields": STORE_FIELDS, "manager_fields": MANAGER_FIELDS,
            "field_label": lambda name: text(f"col.{name}"),
        }, status_code=400 if error else 200)
