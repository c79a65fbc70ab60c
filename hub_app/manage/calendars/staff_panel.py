"""The calendars section's "Who takes bookings" panel (state: staff_state.StaffState)."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.calendars.state import CalendarsState
from hub_app.manage.calendars.staff_state import StaffState as S
from hub_app.manage.shell import widgets
from hub_app.pages.components import tr

RULES = ("least_busy", "round_robin", "priority")
PHOTO_TYPES = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"]}


def avatar(person: rx.Var, size: str = "3") -> rx.Component:
    # Decoration next to the person's name: hidden from assistive technology.
    return rx.el.span(rx.avatar(src=person["photo"], fallback=person["initials"], radius="full", size=size, alt=""),
                      custom_attrs={"aria-hidden": "true"}, style={"display": "inline-flex"})


def rule_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.box(widgets.select(tr("manage.staff.rule"), "anyone_rule",
                                  [(rule, tr(f"manage.staff.rule.{rule}")) for rule in RULES],
                                  default=S.rule, prefix="staff"), flex="1", min_width="14em"),
            rx.button(tr("manage.save"), type="submit", variant="soft", id="save-anyone-rule"),
            spacing="2", align="end", wrap="wrap",
        ),
        rx.text(tr("manage.staff.rule_help"), size="2", color_scheme="gray"),
        on_submit=S.save_rule, reset_on_submit=False, key=S.rule_key, width="100%",
    )


def order_row(person: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.flex(
            avatar(person, "2"),
            rx.text(person["name"], flex="1"),
            rx.cond(person["active"] != "1", rx.badge(tr("manage.staff.inactive"), color_scheme="gray")),
            rx.button("↑", on_click=S.move(person["id"], -1), size="1", variant="soft", disabled=person["first"] == "1",
                      aria_label=tr("manage.staff.move_up") + ": " + person["name"]),
            rx.button("↓", on_click=S.move(person["id"], 1), size="1", variant="soft",
                      disabled=person["last"] == "1",
                      aria_label=tr("manage.staff.move_down") + ": " + person["name"]),
            align="center", spacing="2", width="100%",
        ),
        class_name="staff-order-row", custom_attrs={"data-calendar-id": person["id"]},
        style={"listStyle": "none"},
    )


def photo_of_current() -> rx.Component:
    current = CalendarsState.current
    return rx.vstack(
        rx.heading(tr("manage.staff.photo") + ": " + current.get("name", ""), size="3", as_="h3"),
        rx.flex(
            rx.foreach(S.people, lambda p: rx.cond(p["id"] == current.get("id", ""), avatar(p, "5"))),
            widgets.photo_upload(
                tr("manage.staff.choose_photo"),
                rx.button(tr("manage.staff.choose_photo"), type="button", variant="soft", loading=S.uploading),
                id="calendar-photo", multiple=False, accept=PHOTO_TYPES, max_files=1,
                on_drop=S.upload_photo(rx.upload_files(upload_id="calendar-photo")),
            ),
            rx.button(tr("manage.staff.remove_photo"), on_click=S.remove_photo, variant="soft", color_scheme="red",
                      id="remove-calendar-photo"),
            spacing="3", align="center", wrap="wrap",
        ),
        rx.text(tr("manage.store.photo_rules"), size="2", color_scheme="gray"),
        spacing="2", width="100%", id="calendar-photo-panel",
    )


def staff_section() -> rx.Component:
    return widgets.section(
        tr("manage.staff.title"),
        rule_form(),
        rx.heading(tr("manage.staff.order"), size="3", as_="h3"),
        rx.text(tr("manage.staff.order_help"), size="2", color_scheme="gray"),
        rx.el.ol(rx.foreach(S.people, order_row), style={"padding": "0", "margin": "0", "display": "grid",
                                                         "gap": "0.4em"}, id="staff-order"),
        rx.cond(CalendarsState.current.get("id", "") != "", photo_of_current()),
        id_="staff-choice",
    )
