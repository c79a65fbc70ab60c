"""/manage/calendars: calendars and their availability, with a live preview of free times."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.calendars.staff_panel import staff_section
from hub_app.manage.calendars.staff_state import StaffState
from hub_app.manage.calendars.state import CalendarsState as S
from hub_app.manage.calendars.sync_panel import caldav_section
from hub_app.manage.shell import widgets
from hub_app.manage.shell.layout import manage_page, register_section
from hub_app.pages.components import tr

WEEKDAY_KEYS = ("manage.weekday.0", "manage.weekday.1", "manage.weekday.2", "manage.weekday.3", "manage.weekday.4",
                "manage.weekday.5", "manage.weekday.6")


def calendar_tabs() -> rx.Component:
    return rx.flex(
        rx.foreach(S.calendars, lambda c: rx.button(
            c["name"], on_click=S.choose(c["id"]), size="2",
            variant=rx.cond(S.current.get("id", "") == c["id"], "solid", "soft"),
            color_scheme=rx.cond(c["active"] == "1", "teal", "gray"),
            custom_attrs={"aria-pressed": rx.cond(S.current.get("id", "") == c["id"], "true", "false")})),
        spacing="2", wrap="wrap", role="group", aria_label=tr("manage.nav.calendars"),
    )


def new_calendar() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.box(widgets.field(tr("manage.calendars.new_name"), "name", "", prefix="newcal"), flex="1", min_width="12em"),
            rx.box(widgets.field(tr("manage.calendars.color"), "color", "", prefix="newcal", placeholder="#2a9d8f"), width="9em"),
            rx.button(tr("manage.calendars.add"), type="submit", id="add-calendar"),
            spacing="2", align="end", wrap="wrap",
        ),
        # The "Who takes bookings" panel lists the calendars too: refreshed after each change here.
        on_submit=lambda form: [S.create(form), StaffState.load()], reset_on_submit=True, width="100%",
    )


def details() -> rx.Component:
    c = S.current
    return widgets.section(
        tr("manage.calendars.details"),
        rx.form(
            rx.flex(
                rx.box(widgets.field(tr("manage.services.name"), "name", c["name"], prefix="cal"), flex="1", min_width="12em"),
                rx.box(widgets.field(tr("manage.calendars.color"), "color", c["color"], prefix="cal"), width="9em"),
                rx.button(tr("manage.save"), type="submit", variant="soft"),
                spacing="2", align="end", wrap="wrap",
            ),
            on_submit=lambda form: [S.save_details(form), StaffState.load()], reset_on_submit=False, key=S.edit_key,
            width="100%",
        ),
        rx.flex(
            rx.cond(c["active"] == "1",
                    rx.button(tr("manage.calendars.deactivate"), on_click=[S.set_active(False), StaffState.load()],
                              variant="soft", color_scheme="gray"),
                    rx.button(tr("manage.calendars.activate"), on_click=[S.set_active(True), StaffState.load()],
                              variant="soft")),
            rx.cond(c["calendly"] == "1", rx.badge(tr("manage.calendars.calendly_linked"), color_scheme="blue", size="2"),
                    rx.badge(tr("manage.calendars.internal"), color_scheme="gray", size="2")),
            spacing="3", align="center", wrap="wrap",
        ),
    )


def weekly_hours() -> rx.Component:
    return widgets.section(
        tr("manage.calendars.weekly"),
        rx.text(tr("manage.calendars.hours_help"), size="2", color_scheme="gray"),
        rx.form(
            rx.vstack(
                *[rx.flex(
                    rx.el.label(tr(WEEKDAY_KEYS[d]), html_for=f"hours-day{d}", style={"width": "7em", "fontWeight": "500"}),
                    rx.input(id=f"hours-day{d}", name=f"day{d}", default_value=S.weekly.get(str(d), ""),
                             placeholder=tr("manage.calendars.closed_placeholder"), size="3", flex="1", min_width="12em"),
                    align="center", spacing="3", wrap="wrap", width="100%",
                ) for d in range(7)],
                rx.cond(widgets.field_error("weekly") != "", rx.text(widgets.field_error("weekly"), color_scheme="red", role="alert")),
                rx.button(tr("manage.calendars.save_hours"), type="submit", id="save-hours"),
                spacing="2", width="100%",
            ),
            on_submit=S.save_weekly, reset_on_submit=False, key=S.edit_key, width="100%",
        ),
        id_="weekly-hours",
    )


def removable(text: rx.Var, on_remove, label: rx.Var) -> rx.Component:
    return rx.flex(rx.text(text, size="2", flex="1"),
                   rx.button(tr("manage.remove"), on_click=on_remove, size="1", variant="soft", color_scheme="red",
                             aria_label=tr("manage.remove") + ": " + label),
                   align="center", spacing="2", width="100%", class_name="removable")


def overrides() -> rx.Component:
    return widgets.section(
        tr("manage.calendars.overrides"),
        rx.form(
            widgets.grid(
                widgets.field(tr("wizard.day"), "day", "", type_="date", prefix="ovr"),
                widgets.field(tr("manage.calendars.hours_that_day"), "hours", "", prefix="ovr", placeholder="10:00-14:00"),
                widgets.field(tr("manage.bookings.reason"), "reason", "", prefix="ovr"),
                min_width="11em",
            ),
            rx.flex(widgets.checkbox(tr("manage.calendars.closed_all_day"), "closed", False, prefix="ovr"),
                    rx.button(tr("manage.calendars.set_override"), type="submit", variant="soft"),
                    spacing="3", align="center", wrap="wrap", margin_top="0.5em"),
            on_submit=S.add_override, reset_on_submit=True, width="100%",
        ),
        rx.foreach(S.overrides, lambda o: removable(
            o["label"] + " · " + rx.cond(o["hours"] != "", o["hours"], tr("manage.calendars.closed")) +
            rx.cond(o["reason"] != "", " · " + o["reason"], ""),
            S.clear_override(o["day"]), o["label"])),
    )


def blocks() -> rx.Component:
    return widgets.section(
        tr("manage.calendars.blocks"),
        rx.text(tr("manage.calendars.blocks_help"), size="2", color_scheme="gray"),
        rx.form(
            widgets.grid(
                widgets.field(tr("manage.calendars.from_day"), "start_date", S.today, type_="date", prefix="blk"),
                widgets.field(tr("manage.calendars.from_time"), "start_time", "", type_="time", prefix="blk"),
                widgets.field(tr("manage.calendars.to_day"), "end_date", "", type_="date", prefix="blk",
                         hint=tr("manage.calendars.same_day_hint")),
                widgets.field(tr("manage.calendars.to_time"), "end_time", "", type_="time", prefix="blk"),
                widgets.field(tr("manage.bookings.reason"), "reason", "", prefix="blk"),
                min_width="10em",
            ),
            rx.flex(widgets.checkbox(tr("manage.calendars.whole_store"), "whole_store", False, prefix="blk"),
                    rx.button(tr("manage.calendars.block"), type="submit", id="add-block"),
                    spacing="3", align="center", wrap="wrap", margin_top="0.5em"),
            on_submit=S.add_block, reset_on_submit=False, key=S.edit_key, width="100%",
        ),
        rx.foreach(S.blocks, lambda b: removable(
            b["from"] + " – " + b["to"] + rx.cond(b["whole_store"] == "1", " · " + tr("manage.calendars.whole_store"), "")
            + rx.cond(b["reason"] != "", " · " + b["reason"], ""),
            S.remove_block(b["id"]), b["from"])),
        id_="blocks",
    )


def slots() -> rx.Component:
    return widgets.section(
        tr("manage.calendars.slots"),
        rx.text(tr("manage.calendars.slots_help"), size="2", color_scheme="gray"),
        rx.form(
            widgets.grid(
                widgets.field(tr("wizard.day"), "day", "", type_="date", prefix="slot"),
                widgets.field(tr("manage.calendars.from_time"), "start_time", "", type_="time", prefix="slot"),
                widgets.field(tr("manage.calendars.to_time"), "end_time", "", type_="time", prefix="slot"),
                widgets.field(tr("manage.calendars.capacity"), "capacity", "", prefix="slot", input_mode="numeric"),
                min_width="9em",
            ),
            rx.button(tr("manage.calendars.add_slot"), type="submit", variant="soft", margin_top="0.5em"),
            on_submit=S.add_slot, reset_on_submit=True, width="100%",
        ),
        rx.foreach(S.slots, lambda s: removable(
            s["from"] + "–" + s["to"] + rx.cond(s["capacity"] != "", " · " + tr("manage.calendars.capacity") + " " + s["capacity"], ""),
            S.remove_slot(s["id"]), s["from"])),
    )


def preview() -> rx.Component:
    return widgets.section(
        tr("manage.calendars.preview"),
        rx.cond(
            S.offered.length() > 0,
            rx.vstack(
                rx.form(
                    rx.flex(
                        rx.box(widgets.select(tr("wizard.service"), "service", dynamic=S.offered, default=S.preview_service,
                                         prefix="pv"), flex="1", min_width="11em"),
                        rx.box(widgets.field(tr("manage.bookings.from"), "from", S.preview_from, type_="date", prefix="pv"),
                               width="11em"),
                        rx.button(tr("manage.calendars.show"), type="submit", variant="soft"),
                        spacing="2", align="end", wrap="wrap",
                    ),
                    on_submit=S.update_preview, reset_on_submit=False, key=S.edit_key, width="100%",
                ),
                rx.foreach(S.preview_days, lambda d: rx.flex(
                    rx.text(d["label"], weight="bold", size="2", width="8em", flex_shrink="0"),
                    rx.text(rx.cond(d["count"] != "0", d["times"], tr("manage.calendars.no_times")), size="2",
                            color_scheme=rx.cond(d["count"] != "0", "gray", "red")),
                    spacing="2", width="100%", custom_attrs={"data-day": d["day"]},
                    class_name="preview-day",
                )),
                spacing="2", width="100%",
            ),
            widgets.empty("manage.calendars.no_services"),
        ),
        id_="preview",
    )


def content() -> rx.Component:
    return rx.vstack(
        calendar_tabs(),
        new_calendar(),
        staff_section(),
        rx.cond(
            S.current.get("id", "") != "",
            rx.box(
                rx.vstack(details(), weekly_hours(), overrides(), spacing="4", width="100%"),
                rx.vstack(preview(), caldav_section(), blocks(), slots(), spacing="4", width="100%"),
                style={"display": "grid", "gap": "1em", "gridTemplateColumns": "repeat(auto-fit, minmax(22em, 1fr))",
                       "alignItems": "start"},
                width="100%",
            ),
            widgets.empty("manage.calendars.none"),
        ),
        spacing="4", width="100%",
    )


def calendars_page() -> rx.Component:
    return manage_page("calendars", "manage.nav.calendars", content())


def register(app: rx.App) -> None:
    register_section(app, "/manage/calendars", calendars_page, [S.load, StaffState.load])
