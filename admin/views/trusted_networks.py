"""Trusted networks (CIDR ranges exempt from the per-address limits), written through the domain."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from wtforms import validators

from admin.i18n import column_labels, label
from admin.views.base import MENU_PEOPLE, HubModelView, run_domain
from hub_app.domain.platform.models import TrustedNetwork
from hub_app.domain.platform.trusted_networks import delete_trusted_network, save_trusted_network
from hub_app.security.trusted import trusted_networks


class TrustedNetworkAdmin(HubModelView, model=TrustedNetwork):
    name = label("view.trusted_network", "Trusted network")
    name_plural = label("view.trusted_networks", "Trusted networks")
    icon = "fa-solid fa-network-wired"
    category = MENU_PEOPLE
    column_list = ["id", "cidr", "note", "created_at"]
    column_searchable_list = ["cidr", "note"]
    column_sortable_list = ["id", "cidr", "created_at"]
    column_labels = column_labels("cidr", "note", "created_at")
    form_columns = ["cidr", "note"]
    form_args = {"cidr": {"validators": [validators.InputRequired()]}}

    async def insert_model(self, request: Request, data: dict) -> Any:
        values, _ = self.split_form_data(data)
        row = await run_domain(request, save_trusted_network, None, values)
        trusted_networks.forget()  # this process applies the change at once; others within 30 s
        return row

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        values, _ = self.split_form_data(data)
        row = await run_domain(request, save_trusted_network, self._pk(pk), values)
        trusted_networks.forget()
        return row

    async def delete_model(self, request: Request, pk: Any) -> None:
        await run_domain(request, delete_trusted_network, self._pk(pk))
        trusted_networks.forget()
