"""The wizard's person step: "Anyone" and each person offering the service (photo or initials)."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.components import tr
from hub_app.state.booking import BookingState


def _choice(label: rx.Var, hint: rx.Var | None, avatar: rx.Component, value: rx.Var | str) -> rx.Component:
    chosen = BookingState.staff_id == value
    return rx.el.li(
        rx.button(
            rx.flex(
                # Decoration: the button's name is the person's name (or "Anyone"), not the initials.
                rx.el.span(avatar, custom_attrs={"aria-hidden": "true"}, style={"display": "inline-flex"}),
                rx.vstack(rx.text(label, weight="bold"), *([rx.text(hint, size="2")] if hint is not None else []),
                          spacing="0", align="start"),
                align="center", spacing="3", width="100%",
            ),
            on_click=BookingState.choose_staff(value),
            variant=rx.cond(chosen, "solid", "surface"), size="3", width="100%", height="auto", padding_y="0.6em",
            custom_attrs={"aria-pressed": rx.cond(chosen, "true", "false"), "data-staff": value},
        ),
        style={"listStyle": "none"},
    )


def _person(person: rx.Var) -> rx.Component:
    # The photo has no text of its own (alt=""): the person's name is the button's label.
    avatar = rx.avatar(src=person["photo"], fallback=person["initials"], radius="full", size="4", alt="",
                       aria_hidden="true")
    return _choice(person["name"], None, avatar, person["id"])


def staff_step() -> rx.Component:
    anyone_avatar = rx.avatar(fallback="★", radius="full", size="4", color_scheme="gray", aria_hidden="true")
    return rx.vstack(
        rx.heading(tr("wizard.pick_staff"), size="5", as_="h2", tab_index=-1,
                   custom_attrs={"data-step-heading": "true"}),
        rx.el.ul(
            _choice(tr("wizard.anyone"), tr("wizard.anyone_hint"), anyone_avatar, ""),
            rx.foreach(BookingState.people, _person),
            style={"display": "grid", "gap": "0.5em", "padding": "0", "margin": "0", "width": "100%"},
            aria_label=tr("wizard.pick_staff"),
            id="staff-list",
        ),
        spacing="3",
        width="100%",
    )
