"""The "book for a client" dialog of /manage/bookings: a client of the store (or a new one), a
service, a free time, persons and notes."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.bookings.state import BookingsState as S
from hub_app.manage.shell import widgets
from hub_app.pages.components import tr


def phone_dialog() -> rx.Component:
    errors = S.phone_errors
    new_client_fields = widgets.grid(
        *[widgets.field(tr(f"field.{name}"), name, S.phone_details.get(name, ""), prefix="phone", errors=errors,
                   type_={"email": "email", "phone": "tel"}.get(name, "text"))
          for name in ("first_name", "last_name", "email", "phone", "address", "age")],
        min_width="12em",
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("manage.bookings.book_for_client")),
            rx.vstack(
                rx.heading(tr("manage.bookings.step_client"), size="3", as_="h3"),
                rx.form(
                    rx.flex(rx.box(widgets.field(tr("manage.bookings.find_client"), "search", "", prefix="phone-find"),
                                   flex="1", min_width="12em"),
                            rx.button(tr("manage.bookings.search"), type="submit", variant="soft", id="phone-search"),
                            spacing="2", align="end", wrap="wrap"),
                    on_submit=S.search_phone_clients, reset_on_submit=False, width="100%",
                ),
                rx.flex(
                    rx.foreach(S.phone_clients, lambda c: rx.button(
                        c["name"] + " · " + c["email"], on_click=S.choose_phone_client(c["id"]), size="2",
                        variant=rx.cond(S.phone_client.get("id", "") == c["id"], "solid", "outline"))),
                    rx.button(tr("manage.bookings.new_client"), on_click=S.use_new_client, size="2",
                              variant=rx.cond(S.phone_new, "solid", "outline"), id="phone-new-client"),
                    spacing="2", wrap="wrap",
                ),
                # Only the store's clients can be booked here; anyone else is invited first.
                rx.text(tr("invite.hint"), " ", rx.link(tr("invite.title"), href="/manage/clients" + S.store_query,
                                                         id="phone-invite-link"),
                        size="1", color_scheme="gray"),
                rx.heading(tr("manage.bookings.step_time"), size="3", as_="h3"),
                rx.form(
                    widgets.grid(
                        widgets.select(tr("wizard.service"), "service", dynamic=S.services, default=S.phone_service, prefix="phone"),
                        widgets.field(tr("wizard.day"), "day", S.phone_day, type_="date", prefix="phone"),
                        min_width="12em",
                    ),
                    rx.button(tr("account.show_times"), type="submit", variant="soft", margin_top="0.6em", id="phone-times"),
                    on_submit=S.phone_find_times, reset_on_submit=False, width="100%",
                ),
                rx.flex(rx.foreach(S.phone_slots, lambda s: rx.button(
                    s["label"], on_click=S.phone_pick(s["iso"]), custom_attrs={"data-start": s["iso"]},
                    variant=rx.cond(S.phone_slot.get("iso", "") == s["iso"], "solid", "outline"))),
                    spacing="2", wrap="wrap", id="phone-slots"),
                rx.form(
                    rx.vstack(
                        rx.cond(S.phone_new, new_client_fields),
                        widgets.grid(
                            widgets.select(tr("wizard.persons"), "persons", prefix="phone",
                                      dynamic=S.phone_person_choices),
                            widgets.field(tr("manage.bookings.notes"), "notes", "", prefix="phone"),
                            min_width="12em",
                        ),
                        rx.cond(S.phone_error != "", rx.callout(S.phone_error, color_scheme="red", role="alert",
                                                                id="phone-error")),
                        rx.flex(
                            rx.dialog.close(rx.button(tr("account.close"), type="button", variant="soft", color_scheme="gray")),
                            rx.button(tr("manage.bookings.book"), type="submit", id="phone-submit"),
                            spacing="2", justify="end", width="100%",
                        ),
                        spacing="3", width="100%",
                    ),
                    on_submit=S.phone_submit, reset_on_submit=False, width="100%",
                ),
                spacing="3", width="100%",
            ),
            max_width="44em", id="phone-dialog",
        ),
        open=S.phone_open, on_open_change=S.close_phone,
    )
