"""/manage/clients, a client's card: the store's answer to a personal data request (export what
this store holds, or remove the client from this store's records)."""

from __future__ import annotations

import reflex as rx

from hub_app.domain.privacy.export import export_store_client
from hub_app.domain.privacy.export_files import export_zip, file_stem
from hub_app.domain.privacy.store_erase import erase_store_client, store_erasure_plan
from hub_app.i18n import t
from hub_app.state.account_privacy import plan_lines
from hub_app.state.manage.base import ManageState, parse_id
from hub_app.state.manage.sections import ClientsState


class ClientPrivacyState(ManageState):
    erase_client_id: str = ""   # the client whose removal is being confirmed
    erase_keep: str = ""
    erase_future: list[str] = []
    erase_subscriptions: list[str] = []
    erase_email: bool = False

    @rx.event
    def download(self, client_id: str):
        user_id = parse_id(client_id)
        document = self._attempt(lambda ctx: export_store_client(ctx, user_id))
        if document is not None:
            return rx.download(data=export_zip(document, self._loc()), filename=f"{file_stem(document)}.zip",
                               mime_type="application/zip")

    @rx.event
    def ask_erase(self, client_id: str):
        user_id = parse_id(client_id)
        plan = self._attempt(lambda ctx: store_erasure_plan(ctx, user_id))
        if plan is None:
            return
        loc = self._loc()
        self.erase_future, self.erase_subscriptions = plan_lines(plan, loc)
        self.erase_keep = t("privacy.store_erase_keep", loc, bookings=plan.bookings_kept, payments=plan.payments_kept)
        self.erase_email = plan.email_sent
        self.erase_client_id = str(client_id)

    @rx.event
    def cancel_erase(self):
        self.erase_client_id = ""

    @rx.event
    def erase(self, client_id: str):
        user_id = parse_id(client_id)
        done = self._do(lambda ctx: erase_store_client(ctx, user_id, confirmed=True),
                        t("privacy.store_erased_done", self._loc()))
        self.erase_client_id = ""
        if done:
            return [ClientsState.close_client, ClientsState.reload_rows]
