"""The booking wizard `/<store_slug>/book`: service → person → day → time → persons → details → confirmation."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.booking_staff import staff_step
from hub_app.pages.components import form_field, layout, loading_view, not_found_view, notice, tr
from hub_app.pages.focus import focus_on_change
from hub_app.state.booking import BookingState
from hub_app.state.session import SessionState
from hub_app.state.store import StoreState

WEEKDAY_KEYS = ("cal.mon", "cal.tue", "cal.wed", "cal.thu", "cal.fri", "cal.sat", "cal.sun")
STEP_KEYS = (("service", "wizard.step_service"), ("staff", "wizard.step_staff"), ("day", "wizard.step_day"), ("time", "wizard.step_time"),
             ("persons", "wizard.step_persons"), ("details", "wizard.step_details"), ("done", "wizard.step_done"))
# Each step's heading: focus moves there when the step changes (hub_app/pages/focus.py).
STEP_HEADING = "[data-step-heading]"


def step_heading(text: rx.Var, size: str = "5", **props) -> rx.Component:
    return rx.heading(text, size=size, as_="h2", tab_index=-1, custom_attrs={"data-step-heading": "true"}, **props)


def progress() -> rx.Component:
    def item(number: int, step: str, key: str) -> rx.Component:
        # The person step is left out when one person offers the service; later steps move up one.
        label = (rx.cond(BookingState.staff_offered, f"{number}. ", f"{number - 1}. ") if number > 2
                 else f"{number}. ") + tr(key)
        li = rx.el.li(
            label,
            custom_attrs={"aria-current": rx.cond(BookingState.step == step, "step", "false")},
            style={"fontWeight": rx.cond(BookingState.step == step, "700", "400")},
        )
        return rx.cond(BookingState.staff_offered, li) if step == "staff" else li

    return rx.el.ol(
        *[item(number, step, key) for number, (step, key) in enumerate(STEP_KEYS, start=1)],
        style={"display": "flex", "flexWrap": "wrap", "gap": "0.25em 1.25em", "paddingLeft": "0", "listStyle": "none",
               "margin": "0", "fontSize": "0.9em"},
        aria_label=tr("wizard.progress"),
    )


def chosen(label_key: str, value: rx.Var, step: str) -> rx.Component:
    return rx.cond(
        value != "",
        rx.hstack(
            rx.text(tr(label_key) + ": ", weight="bold", size="2"),
            rx.text(value, size="2"),
            rx.button(tr("wizard.change"), variant="ghost", size="1", on_click=BookingState.go_to(step),
                      aria_label=tr("wizard.change") + " " + tr(label_key)),
            align="center",
            wrap="wrap",
        ),
    )


def summary() -> rx.Component:
    return rx.vstack(
        chosen("wizard.service", BookingState.service["name"], "service"),
        rx.cond(BookingState.step != "staff", chosen("wizard.staff", BookingState.staff_label, "staff")),
        chosen("wizard.day", BookingState.day_label, "day"),
        chosen("wizard.time", rx.cond(BookingState.step == "time", "", BookingState.slot_label), "time"),
        rx.cond(BookingState.step == "details",
                chosen("wizard.persons", BookingState.persons.to_string() + " · " + BookingState.price_text, "persons")),
        spacing="1",
        id="wizard-summary",
    )


def service_step() -> rx.Component:
    return rx.vstack(
        step_heading(tr("wizard.pick_service")),
        rx.foreach(
            StoreState.services,
            lambda s: rx.button(
                rx.flex(rx.text(s["name"], weight="bold"), rx.text(s["duration_label"] + " · " + s["price_label"]),
                        justify="between", width="100%", spacing="3", wrap="wrap"),
                on_click=BookingState.choose_service(s["id"]),
                variant="surface", size="3", width="100%", height="auto", padding_y="0.75em",
            ),
        ),
        spacing="2",
        width="100%",
    )


def day_cell(cell: rx.Var) -> rx.Component:
    return rx.match(
        cell["kind"],
        ("blank", rx.box(aria_hidden="true")),
        ("free", rx.button(cell["day"], on_click=BookingState.pick_day(cell["iso"]), variant="solid",
                           width="100%", size="3", aria_label=cell["iso"] + " · " + tr("wizard.has_free_times"),
                           custom_attrs={"data-day": cell["iso"]})),
        rx.button(cell["day"], disabled=True, variant="soft", color_scheme="gray", width="100%", size="3",
                  aria_label=cell["iso"] + " · " + tr("wizard.no_free_times_short"),
                  custom_attrs={"data-day": cell["iso"]}),
    )


def day_step() -> rx.Component:
    return rx.vstack(
        step_heading(tr("wizard.pick_day")),
        rx.hstack(
            rx.button("‹", on_click=BookingState.previous_month, variant="soft", aria_label=tr("cal.previous")),
            rx.text(BookingState.month_label, weight="bold", id="month-label", min_width="10em", text_align="center",
                    aria_live="polite"),
            rx.button("›", on_click=BookingState.next_month, variant="soft", aria_label=tr("cal.next")),
            align="center",
            justify="center",
            width="100%",
        ),
        rx.grid(
            *[rx.text(tr(key), size="1", text_align="center", color_scheme="gray", aria_hidden="true")
              for key in WEEKDAY_KEYS],
            rx.foreach(BookingState.day_cells, day_cell),
            columns="7",
            spacing="1",
            width="100%",
            max_width="28em",
            margin_x="auto",
            id="month-grid",
        ),
        rx.text(tr("wizard.day_legend"), size="2", color_scheme="gray"),
        spacing="3",
        width="100%",
    )


def time_step() -> rx.Component:
    return rx.vstack(
        step_heading(tr("wizard.pick_time")),
        rx.text(tr("wizard.times_in_zone") + " " + StoreState.store["timezone"], size="2", color_scheme="gray"),
        rx.cond(
            BookingState.slots.length() > 0,
            rx.grid(
                rx.foreach(
                    BookingState.slots,
                    lambda slot: rx.button(slot["label"], on_click=BookingState.pick_time(slot["iso"], slot["remaining"]),
                                           variant="outline", size="3", custom_attrs={"data-start": slot["iso"]}),
                ),
                columns={"initial": "3", "sm": "6"},
                spacing="2",
                width="100%",
                id="time-grid",
            ),
            rx.text(tr("wizard.no_free_times")),
        ),
        spacing="3",
        width="100%",
    )


def persons_step() -> rx.Component:
    return rx.vstack(
        step_heading(tr("wizard.pick_persons")),
        rx.el.label(tr("wizard.persons"), html_for="persons", style={"fontWeight": "500"}),
        rx.el.select(
            rx.foreach(BookingState.person_choices, lambda n: rx.el.option(n, value=n)),
            id="persons",
            value=BookingState.persons.to_string(),
            on_change=BookingState.set_persons,
            style={"fontSize": "1.1em", "padding": "0.4em", "minWidth": "6em"},
        ),
        rx.text(tr("wizard.total") + ": " + BookingState.price_text, weight="bold", id="price-text", aria_live="polite"),
        rx.button(tr("wizard.continue"), on_click=BookingState.continue_to_details, size="3"),
        spacing="2",
        align="start",
    )


def slot_taken_choices() -> rx.Component:
    return rx.cond(
        BookingState.next_free_choices.length() > 0,
        rx.vstack(
            rx.text(tr("wizard.next_free_times")),
            rx.flex(
                rx.foreach(
                    BookingState.next_free_choices,
                    lambda c: rx.button(c["label"], on_click=BookingState.pick_next_free(c["iso"]), variant="outline",
                                        custom_attrs={"data-start": c["iso"]}),
                ),
                spacing="2",
                wrap="wrap",
            ),
            id="next-free",
            spacing="2",
        ),
    )


def details_form() -> rx.Component:
    """Registration and "I have an account" in ONE form. The email and password inputs stay the same
    elements in both modes, so what the client typed is kept when they switch, including what they
    type while the switch is still on its way to the server (with two forms, that went into the
    registration form's email input, which the switch then removed, and the sign-in went out with
    an empty email)."""
    login = BookingState.login_mode

    def field(label_key, name, type_="text", autocomplete=None, input_mode=None):
        # Registration only; the empty branch keeps the shared inputs at the same place in the tree.
        return rx.cond(~login, form_field(tr(label_key), name, BookingState.field_errors.get(name, ""),
                                          BookingState.details.get(name, ""), type_, autocomplete, "reg",
                                          input_mode))

    return rx.form(
        rx.vstack(
            step_heading(rx.cond(login, tr("wizard.sign_in_to_book"), tr("wizard.your_details"))),
            rx.grid(
                field("field.first_name", "first_name", autocomplete="given-name"),
                field("field.last_name", "last_name", autocomplete="family-name"),
                field("field.age", "age", input_mode="numeric"),
                field("field.phone", "phone", "tel", "tel"),
                form_field(tr("field.email"), "email",
                           rx.cond(login, BookingState.login_error, BookingState.field_errors.get("email", "")),
                           BookingState.details.get("email", ""), "email", "email", "details"),
                field("field.address", "address", autocomplete="street-address"),
                form_field(rx.cond(login, tr("field.password"), tr("field.new_password")), "password",
                           rx.cond(login, "", BookingState.field_errors.get("password", "")), "", "password",
                           rx.cond(login, "current-password", "new-password"), "details"),
                columns={"initial": "1", "sm": "2"},
                spacing="4",
                width="100%",
            ),
            rx.cond(
                login,
                rx.button(tr("nav.sign_in"), type="submit", size="3", id="flow-sign-in"),
                rx.button(tr("wizard.book_now"), type="submit", size="3", loading=BookingState.submitting,
                          disabled=BookingState.submitting, id="book-submit"),
            ),
            spacing="3",
            width="100%",
            align="start",
        ),
        on_submit=BookingState.submit_details,
        reset_on_submit=False,
        # The browser's own check of type="email" would stop "x" with a bubble of its own, in its
        # language, before our rules (the API's: email-validator, phone numbers, age) could name
        # the field: the server decides, and says so next to the field.
        no_validate=True,
        width="100%",
        id="details-form",
    )


def details_step() -> rx.Component:
    return rx.vstack(
        notice(BookingState.form_error, id_="form-error"),
        slot_taken_choices(),
        rx.cond(
            SessionState.signed_in,
            rx.vstack(
                step_heading(tr("wizard.confirm_booking")),
                rx.text(tr("wizard.booking_as") + " " + SessionState.user_name, id="booking-as"),
                rx.button(tr("wizard.confirm_booking"), on_click=BookingState.submit_as_signed_in, size="3",
                          loading=BookingState.submitting, disabled=BookingState.submitting, id="book-submit"),
                spacing="3",
                align="start",
            ),
            rx.vstack(
                details_form(),
                rx.button(
                    rx.cond(BookingState.login_mode, tr("wizard.new_client"), tr("wizard.have_account")),
                    on_click=BookingState.toggle_login, variant="ghost", id="toggle-login",
                ),
                spacing="3",
                width="100%",
                align="start",
            ),
        ),
        spacing="4",
        width="100%",
    )


def pay_control(embedded: bool) -> rx.Component:
    """Stripe Checkout refuses to be framed: inside another site's frame, paying continues in a tab
    of its own, from the account page, opened by a real link (a window opened after the server's
    answer would be stopped by popup blockers)."""
    if embedded:
        return rx.link(rx.button(tr("wizard.pay_now"), id="pay-now"), href="/account", is_external=True)
    return rx.button(tr("wizard.pay_now"), on_click=BookingState.pay_now, id="pay-now")


def subscribe_control(embedded: bool) -> rx.Component:
    """Like paying (`pay_control`): framed on another site, subscribing continues on the account
    page in a tab of its own, where the booking offers it."""
    if embedded:
        return rx.link(rx.button(tr("wizard.subscribe"), id="subscribe"), href="/account", is_external=True)
    return rx.button(tr("wizard.subscribe"), on_click=BookingState.subscribe, id="subscribe")


def done_step(embedded: bool = False) -> rx.Component:
    c = BookingState.confirmation
    return rx.vstack(
        step_heading(rx.cond(c["pending"] != "", tr("wizard.pending_title"), tr("wizard.done_title")),
                     size="6", id="confirmation-title"),
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label(tr("wizard.reference")), rx.data_list.value("#" + c["id"])),
            rx.data_list.item(rx.data_list.label(tr("wizard.service")), rx.data_list.value(c["service"])),
            rx.cond(c["staff"] != "", rx.data_list.item(rx.data_list.label(tr("wizard.staff")),
                                                        rx.data_list.value(c["staff"], id="confirmation-staff"))),
            rx.data_list.item(rx.data_list.label(tr("wizard.when")), rx.data_list.value(c["when"])),
            rx.data_list.item(rx.data_list.label(tr("wizard.persons")), rx.data_list.value(c["persons"])),
            rx.data_list.item(rx.data_list.label(tr("wizard.total")), rx.data_list.value(c["total"])),
            rx.data_list.item(rx.data_list.label(tr("wizard.status")), rx.data_list.value(c["status"])),
            orientation={"initial": "vertical", "sm": "horizontal"},
            id="confirmation",
        ),
        rx.cond(
            c["pending"] != "",
            rx.callout(tr("wizard.payment_required") + " " + c["hold_until"], color_scheme="amber",
                       id="payment-required"),
        ),
        rx.cond(
            c["subscribe"] != "",
            rx.callout(tr("wizard.subscription_pays") + " " + c["subscribe"], color_scheme="blue",
                       id="subscription-offer"),
        ),
        notice(BookingState.form_error, id_="form-error"),
        rx.flex(
            rx.cond(c["pending"] != "", pay_control(embedded)),
            rx.cond(c["subscribe"] != "", subscribe_control(embedded)),
            rx.button(tr("wizard.download_ics"), on_click=BookingState.download_ics, variant="outline", id="download-ics"),
            # Framed on another site, the account opens in a tab of its own, not inside the frame.
            rx.link(rx.button(tr("wizard.my_bookings")), href="/account", is_external=embedded),
            rx.button(tr("wizard.book_again"), on_click=BookingState.book_again, variant="ghost"),
            spacing="3",
            wrap="wrap",
        ),
        spacing="4",
        width="100%",
    )


def wizard(embedded: bool = False) -> rx.Component:
    """The steps; `embedded` (the /embed page on a store's own site) leaves out the way back to the
    store page, which the host site is."""
    return rx.vstack(
        rx.hstack(
            rx.heading(tr("wizard.title") + " · " + StoreState.store["name"], size="7", as_="h1"),
            wrap="wrap",
        ),
        *([] if embedded else [rx.link("← " + StoreState.store["name"], href="/" + StoreState.store["slug"])]),
        progress(),
        rx.cond(BookingState.step != "done", summary()),
        rx.match(
            BookingState.step,
            ("service", service_step()),
            ("staff", staff_step()),
            ("day", day_step()),
            ("time", time_step()),
            ("persons", persons_step()),
            ("details", details_step()),
            ("done", done_step(embedded)),
            service_step(),
        ),
        spacing="4",
        width="100%",
        id="wizard",
    )


def booking_page() -> rx.Component:
    return layout(
        # Outside the match: the step set while the page loads (a service in the link) counts too.
        focus_on_change(BookingState.step, STEP_HEADING),
        rx.match(
            StoreState.store_status,
            ("missing", not_found_view()),
            ("found", wizard()),
            loading_view(),
        )
    )


def register(app: rx.App) -> None:
    app.add_page(booking_page, route="/[store_slug]/book", title=BookingState.wizard_title, description=BookingState.meta_description,
                 on_load=[StoreState.load_store, BookingState.start_wizard])
