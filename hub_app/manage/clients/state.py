"""State of /manage/clients: the client list and search, one client's card, messages and
invitations, and a client's privacy requests (export, erasure)."""

from __future__ import annotations

import uuid

import reflex as rx

from hub_app.domain.bookings.paging import COUNT_CAP
from hub_app.domain.errors import DomainError
from hub_app.domain.privacy.export import export_store_client
from hub_app.domain.privacy.export_files import export_zip, file_stem
from hub_app.domain.privacy.store_erase import erase_store_client, store_erasure_plan
from hub_app.i18n import t
from hub_app.manage.clients import present
from hub_app.manage.shell.forms import form_text, parse_id
from hub_app.manage.shell.present import send_message
from hub_app.manage.shell.state import ManageState
from hub_app.state.account_privacy import plan_lines

PAGE_SIZE = 20


class ClientsState(ManageState):
    search: str = ""
    page: int = 0
    # Keyset pages: cursors[i] opens page i ("" for the first); next_cursor opens the one after.
    cursors: list[str] = [""]
    next_cursor: str = ""
    rows: list[dict[str, str]] = []
    total: int = 0
    client: dict[str, str] = {}
    history: list[dict[str, str]] = []
    subscriptions: list[dict[str, str]] = []   # the client's recurring services here (read-only)
    message_key: int = 0
    message_token: str = ""
    invitations: list[dict[str, str]] = []
    invite_key: int = 0

    @rx.var
    def pages_label(self) -> str:
        """"3 / 12", or "3 / 50+" when more clients match than are counted."""
        count = max(1, -(-min(self.total, COUNT_CAP) // PAGE_SIZE))
        return f"{self.page + 1} / {count}" + ("+" if self.total > COUNT_CAP else "")

    def _load(self, ctx) -> None:
        cursor = self.cursors[self.page] if self.page < len(self.cursors) else ""
        self.rows, self.total, self.next_cursor = present.client_rows(ctx, self.search, cursor, PAGE_SIZE)
        self.invitations = present.invitation_rows(ctx)

    @rx.event
    def invite(self, form: dict):
        """Someone who has not booked here: they become a client once they accept the email."""
        sent = self._attempt(lambda ctx: present.send_invitation(
            ctx, form_text(form, "email"), form_text(form, "first_name"), form_text(form, "last_name")))
        if sent is not None:
            self.invite_key += 1
            self.invitations = self._attempt(present.invitation_rows) or []
            self.notice_text = t("invite.sent", self._loc(), email=sent)

    @rx.event
    def load(self):
        if self.dashboard_status == "ready":
            self.client, self.history, self.subscriptions = {}, [], []
            self._attempt(self._load)

    @rx.event
    def find(self, form: dict):
        self.search, self.page, self.cursors = form_text(form, "search"), 0, [""]
        self._attempt(self._load)

    @rx.event
    def turn_page(self, delta: int):
        if int(delta) > 0 and self.next_cursor:
            self.cursors = self.cursors[:self.page + 1] + [self.next_cursor]
            self.page += 1
        elif int(delta) < 0 and self.page > 0:
            self.page -= 1
        self._attempt(self._load)

    @rx.event
    def open_client(self, client_id: str):
        data = self._attempt(lambda ctx: present.client_detail(ctx, parse_id(client_id)))
        if data is not None:
            self.client, self.history = data["client"], data["bookings"]
            self.subscriptions = data["subscriptions"]
            self.message_key += 1
            self.message_token = uuid.uuid4().hex

    @rx.event
    def close_client(self):
        self.client, self.history, self.subscriptions = {}, [], []

    @rx.event
    def reload_rows(self):
        """The list again after a change made elsewhere, keeping that change's message."""
        try:
            self._load(self._manage_ctx())
        except DomainError:
            pass

    @rx.event
    def export_csv(self):
        path = self._attempt(lambda ctx: present.export_link(ctx, self.search))
        if path:
            return rx.download(url=path, filename="clients.csv")

    @rx.event
    def send(self, form: dict):
        client_id = parse_id(self.client.get("id"))
        sent = self._attempt(lambda ctx: send_message(
            ctx, audience="client", client_user_id=client_id, day=None, channel=form_text(form, "channel") or "sms",
            subject=form_text(form, "subject"), body=form_text(form, "body"), idempotency_key=self.message_token))
        if sent is not None:
            self.notice_text = t("manage.notifications.queued", self._loc(), count=sent)
            self.message_key += 1
            self.message_token = uuid.uuid4().hex


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
