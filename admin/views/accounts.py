"""Users of every role. Passwords are set once on creation (hashed by the domain), never shown."""

from __future__ import annotations

from typing import Any

from sqladmin import action
from sqladmin.filters import BooleanFilter, StaticValuesFilter
from starlette.requests import Request
from wtforms import PasswordField, validators

from admin.i18n import column_labels, label
from admin.views.base import MENU_PEOPLE, HubModelView, ReadOnlyView, run_domain
from admin.views.common import run_row_action
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.clients.models import StoreClient, StoreClientStatus
from hub_app.domain.accounts.service import MIN_PASSWORD_LENGTH
from hub_app.domain.accounts.administration import (
    admin_create_user, archive_user, delete_user, send_password_setup, update_user,
)
from hub_app.domain.privacy.erase import erase_account


def create_user_with_details(db, ctx, data: dict) -> AppUser:
    user = admin_create_user(
        db, ctx, email=data.get("email") or "", password=data.get("password") or "", role=data.get("role"),
        first_name=data.get("first_name") or "", last_name=data.get("last_name") or "",
        store_id=data.get("store_id"), phone=data.get("phone_number"), locale=data.get("locale") or "en",
    )
    rest = {k: data[k] for k in ("address", "age", "is_active") if data.get(k) not in (None, "")}
    return update_user(db, ctx, user.id, rest) if rest else user


def send_setup_link_to(db, ctx, user_id: int):
    notification, _link = send_password_setup(db, ctx, db.get(AppUser, user_id))
    return notification


def erase_on_request(db, ctx, user_id: int):
    """The person asked the platform to erase their account (the admin acts for them: no password).
    The erasure runs its own transactions (Stripe is called between them), not the action's."""
    return erase_account(ctx, user_id, password=None, confirmed=True)


class UserAdmin(HubModelView, model=AppUser):
    name = label("view.user", "User")
    name_plural = label("view.users", "Users")
    icon = "fa-solid fa-user"
    category = MENU_PEOPLE
    column_list = ["id", "email", "first_name", "last_name", "role", "store_id", "is_active", "created_at"]
    column_searchable_list = ["email", "first_name", "last_name", "phone_number"]
    column_sortable_list = ["id", "email", "last_name", "role", "created_at"]
    column_default_sort = ("id", True)
    column_filters = [
        StaticValuesFilter(AppUser.role, [(r.value, r.value) for r in UserRole]),
        BooleanFilter(AppUser.is_active),
    ]
    column_labels = column_labels("email", "first_name", "last_name", "role", "store_id", "is_active",
                                  "created_at", "phone_number", "locale", "address", "age", "password")
    form_columns = ["first_name", "last_name", "email", "phone_number", "address", "age", "role", "store_id",
                    "locale", "is_active"]
    fk_selects = ("store_id",)

    def extra_form_fields(self, creating: bool) -> dict[str, Any]:
        if not creating:
            return {}
        return {"password": PasswordField(
            self._column_labels.get("password", "Password"),
            validators=[validators.InputRequired(), validators.Length(min=MIN_PASSWORD_LENGTH)],
        )}

    async def insert_model(self, request: Request, data: dict) -> Any:
        return await run_domain(request, create_user_with_details, data)

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        values, _ = self.split_form_data(data)
        return await run_domain(request, update_user, self._pk(pk), values)

    async def delete_model(self, request: Request, pk: Any) -> None:
        await run_domain(request, delete_user, self._pk(pk))

    @action(name="archive", label=label("action.deactivate", "Deactivate"),
            confirmation_message=label("confirm.deactivate_user", "Deactivate the selected accounts?"))
    async def archive_action(self, request: Request):
        return await run_row_action(request, self, archive_user, "done.deactivated")

    @action(name="erase-personal-data", label=label("action.erase_personal_data", "Erase personal data (GDPR)"),
            confirmation_message=label("confirm.erase_personal_data", "Erase the selected client accounts?"))
    async def erase_action(self, request: Request):
        return await run_row_action(request, self, erase_on_request, "done.erased")

    @action(name="send-setup-link", label=label("action.send_setup_link", "Send password setup link"))
    async def send_setup_link_action(self, request: Request):
        return await run_row_action(request, self, send_setup_link_to, "done.setup_link_sent")


class StoreClientAdmin(ReadOnlyView, model=StoreClient):
    """Who is a client of which store by consent (invitations) or as an unclaimed Calendly record.

    Read-only: a person becomes a store's client only by accepting its invitation."""

    name = label("view.store_client", "Store client")
    name_plural = label("view.store_clients", "Store clients")
    icon = "fa-solid fa-address-book"
    category = MENU_PEOPLE
    column_list = ["id", "store_id", "email", "status", "user_id", "invited_at", "accepted_at"]
    column_searchable_list = ["email"]
    column_sortable_list = ["id", "store_id", "invited_at", "accepted_at"]
    column_filters = [StaticValuesFilter(StoreClient.status, [(s.value, s.value) for s in StoreClientStatus])]
    column_details_exclude_list = ["invite_token_hash"]
    column_labels = column_labels("store_id", "email", "status", "user_id", "first_name", "last_name",
                                  "phone_number", "invited_at", "accepted_at")
