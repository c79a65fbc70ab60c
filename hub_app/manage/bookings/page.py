"""/manage/bookings: the calendar (day, week, month) and the list, one booking's actions, and
booking for a client on the phone. New bookings appear by a refresh every few seconds."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.bookings.phone_dialog import phone_dialog
from hub_app.manage.bookings.refund_panel import refunds_section
from hub_app.manage.bookings.state import BookingsState as S
from hub_app.manage.shell import widgets
from hub_app.manage.shell.layout import manage_page, register_section
from hub_app.manage.shell.state import ManageState
from hub_app.pages.components import tr

REFRESH_MS = 5000
STATUSES = ("pending", "confirmed", "completed", "cancelled", "no_show", "rescheduled")


def toggle(label_key: str, active: rx.Var, on_click, id_: str) -> rx.Component:
    return rx.button(tr(label_key), on_click=on_click, variant=rx.cond(active, "solid", "soft"), size="2", id=id_,
                     custom_attrs={"aria-pressed": rx.cond(active, "true", "false")})


def toolbar() -> rx.Component:
    return rx.flex(
        rx.flex(
            toggle("manage.bookings.calendar", S.mode == "calendar", S.set_mode("calendar"), "mode-calendar"),
            toggle("manage.bookings.list", S.mode == "list", S.set_mode("list"), "mode-list"),
            spacing="1", role="group", aria_label=tr("manage.bookings.view"),
        ),
        rx.spacer(),
        rx.button(tr("manage.bookings.book_for_client"), on_click=S.open_phone, size="2", id="open-phone-booking"),
        spacing="3", wrap="wrap", width="100%", align="center",
    )


# --- calendar ----------------------------------------------------------------------------------


def calendar_nav() -> rx.Component:
    return rx.flex(
        rx.flex(
            *[toggle(f"manage.bookings.{v}", S.cal_view == v, S.set_cal_view(v), f"view-{v}")
              for v in ("day", "week", "month")],
            spacing="1", role="group", aria_label=tr("manage.bookings.range"),
        ),
        rx.flex(
            rx.button("‹", on_click=S.shift(-1), variant="soft", size="2", aria_label=tr("manage.bookings.previous")),
            rx.button(tr("manage.bookings.today"), on_click=S.go_today, variant="soft", size="2"),
            rx.button("›", on_click=S.shift(1), variant="soft", size="2", aria_label=tr("manage.bookings.next")),
            spacing="1",
        ),
        rx.text(S.cal_title, weight="bold", id="calendar-title", aria_live="polite"),
        spacing="3", wrap="wrap", align="center",
    )


def booking_block(item: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(item["start"] + " " + item["client"], size="1", weight="bold", trim="both",
                style={"overflow": "hidden", "textOverflow": "ellipsis", "whiteSpace": "nowrap"}),
        rx.text(item["service"], size="1", style={"overflow": "hidden", "textOverflow": "ellipsis", "whiteSpace": "nowrap"}),
        on_click=S.open_booking(item["id"]),
        role="button", tab_index=0,
        aria_label=item["start"] + "–" + item["end"] + " " + item["client"] + ", " + item["service"] + ", "
        + widgets.tr_dynamic("booking.status.", item["status"]),
        custom_attrs={"data-booking-id": item["id"], "data-status": item["status"]},
        class_name="calendar-booking",
        style={
            "position": "absolute", "top": item["top"], "height": item["height"], "left": item["left"],
            "width": item["width"], "padding": "2px 4px", "overflow": "hidden", "cursor": "pointer",
            "background": "var(--" + item["color"] + "-3)", "borderLeft": "3px solid var(--" + item["color"] + "-9)",
            "borderRadius": "4px", "boxSizing": "border-box", "minHeight": "20px",
            "textDecoration": rx.cond(item["status"] == "cancelled", "line-through", "none"),
        },
    )


def external_block(item: rx.Var) -> rx.Component:
    """Busy time from an outside calendar: hatched, behind the bookings, labelled as external."""
    return rx.box(
        rx.text(tr("manage.calendar_sync.external_badge") + " " + item["label"], size="1", color_scheme="gray",
                style={"overflow": "hidden", "textOverflow": "ellipsis", "whiteSpace": "nowrap"}),
        class_name="calendar-external", title=tr("manage.calendar_sync.external_badge"),
        custom_attrs={"data-source": item["source"], "data-calendar": item["calendar_id"]},
        style={"position": "absolute", "top": item["top"], "height": item["height"], "left": "0", "right": "0",
               "padding": "1px 4px", "boxSizing": "border-box", "overflow": "hidden", "pointerEvents": "none",
               "background": "repeating-linear-gradient(45deg, var(--gray-a3) 0, var(--gray-a3) 6px, transparent 6px,"
                             " transparent 12px)", "borderLeft": "3px dashed var(--gray-8)"},
    )


def time_grid() -> rx.Component:
    columns = rx.cond(S.cal_view == "day", "3.2em minmax(0, 1fr)", "3.2em repeat(7, minmax(5.6em, 1fr))")
    lines = "repeating-linear-gradient(to bottom, var(--gray-a4) 0, var(--gray-a4) 1px, transparent 1px, transparent 60px)"
    return rx.box(
        rx.box(
            rx.box(),
            rx.foreach(S.cal_days, lambda d: rx.text(d["label"], size="2", weight=rx.cond(d["today"] == "1", "bold", "regular"),
                                                     text_align="center", padding_y="0.3em",
                                                     color=rx.cond(d["today"] == "1", "var(--accent-11)", "inherit"))),
            style={"display": "grid", "gridTemplateColumns": columns, "position": "sticky", "top": "0"},
        ),
        rx.box(
            rx.box(
                rx.foreach(S.cal_hours, lambda h: rx.text(h["label"], size="1", color_scheme="gray",
                                                         style={"position": "absolute", "top": h["top"], "right": "4px"})),
                style={"position": "relative", "height": S.cal_height},
            ),
            rx.foreach(
                S.cal_days,
                lambda d, i: rx.box(
                    rx.foreach(S.cal_external[i], external_block),
                    rx.foreach(S.cal_items[i], booking_block),
                    style={"position": "relative", "height": S.cal_height, "borderLeft": "1px solid var(--gray-a5)",
                           "backgroundImage": lines,
                           "backgroundColor": rx.cond(d["today"] == "1", "var(--accent-a2)", "transparent")},
                    custom_attrs={"data-day": d["iso"]},
                    class_name="calendar-day",
                ),
            ),
            style={"display": "grid", "gridTemplateColumns": columns},
        ),
        # A week is wider than a phone: the grid scrolls sideways, so it takes keyboard focus
        # (arrow keys scroll it) even on a week without bookings to tab to.
        overflow_x="auto", width="100%", id="calendar-grid", tab_index=0, role="region",
        aria_label=tr("manage.bookings.calendar"),
    )


def month_grid() -> rx.Component:
    weekday_keys = ("cal.mon", "cal.tue", "cal.wed", "cal.thu", "cal.fri", "cal.sat", "cal.sun")
    return rx.box(
        *[rx.text(tr(k), size="1", color_scheme="gray", text_align="center") for k in weekday_keys],
        rx.foreach(
            S.cal_days,
            lambda d, i: rx.box(
                rx.button(d["day"], on_click=S.open_day(d["iso"]), variant=rx.cond(d["today"] == "1", "solid", "ghost"),
                          size="1", aria_label=d["iso"]),
                rx.foreach(S.cal_items[i], lambda item: rx.box(
                    rx.text(item["start"] + " " + item["client"], size="1",
                            style={"overflow": "hidden", "textOverflow": "ellipsis", "whiteSpace": "nowrap"}),
                    on_click=S.open_booking(item["id"]), role="button", tab_index=0,
                    custom_attrs={"data-booking-id": item["id"], "data-status": item["status"]},
                    class_name="calendar-booking",
                    style={"background": "var(--" + item["color"] + "-3)", "borderLeft": "3px solid var(--" + item["color"] + "-9)",
                           "borderRadius": "3px", "padding": "1px 3px", "marginTop": "2px", "cursor": "pointer"},
                )),
                rx.cond(S.cal_more[i] != "0", rx.text("+" + S.cal_more[i], size="1", color_scheme="gray")),
                style={"minHeight": "5.5em", "padding": "3px", "border": "1px solid var(--gray-a4)", "minWidth": "0",
                       "opacity": rx.cond(d["in_month"] == "1", "1", "0.55")},
                custom_attrs={"data-day": d["iso"]},
            ),
        ),
        style={"display": "grid", "gridTemplateColumns": "repeat(7, minmax(0, 1fr))", "gap": "2px"},
        width="100%", id="calendar-month",
    )


def legend() -> rx.Component:
    colors = {"pending": "amber", "confirmed": "teal", "completed": "blue", "cancelled": "gray", "no_show": "red"}
    return rx.flex(*[rx.badge(tr(f"booking.status.{s}"), color_scheme=c, variant="soft") for s, c in colors.items()],
                   spacing="2", wrap="wrap")


def calendar_view() -> rx.Component:
    return rx.vstack(calendar_nav(), rx.cond(S.cal_view == "month", month_grid(), time_grid()), legend(),
                     spacing="3", width="100%")


# --- list --------------------------------------------------------------------------------------


def filters() -> rx.Component:
    status_options = [("", tr("manage.bookings.any_status"))] + [(s, tr(f"booking.status.{s}")) for s in STATUSES]
    sorts = [("start", tr("manage.bookings.sort_start")), ("-start", tr("manage.bookings.sort_start_desc")),
             ("-created", tr("manage.bookings.sort_created_desc")), ("created", tr("manage.bookings.sort_created"))]
    return rx.form(
        widgets.grid(
            widgets.field(tr("manage.bookings.from"), "from", S.filters["from"], type_="date", prefix="f"),
            widgets.field(tr("manage.bookings.to"), "to", S.filters["to"], type_="date", prefix="f"),
            widgets.select(tr("wizard.status"), "status", status_options, default=S.filters["status"], prefix="f"),
            widgets.select(tr("wizard.service"), "service", [("", tr("manage.bookings.any_service"))], dynamic=S.services,
                      default=S.filters["service"], prefix="f"),
            widgets.field(tr("manage.bookings.search"), "search", S.filters["search"], prefix="f",
                     placeholder=tr("manage.bookings.search_hint")),
            widgets.select(tr("manage.bookings.sort"), "sort", sorts, default=S.filters["sort"], prefix="f"),
            min_width="11em",
        ),
        rx.flex(
            rx.button(tr("manage.bookings.apply"), type="submit", size="2", id="apply-filters"),
            rx.button(tr("manage.bookings.clear"), type="button", on_click=S.clear_filters, variant="soft", size="2"),
            rx.spacer(),
            rx.button(tr("manage.export_csv"), type="button", on_click=S.export_csv, variant="outline", size="2",
                      id="export-bookings"),
            spacing="2", wrap="wrap", margin_top="0.8em",
        ),
        on_submit=S.apply_filters, reset_on_submit=False, key=S.filter_key, width="100%",
    )


def list_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.button(row["date_label"] + " " + row["start"], variant="ghost", size="2",
                                on_click=S.open_booking(row["id"]), custom_attrs={"data-booking-id": row["id"]})),
        rx.table.cell(rx.text(row["client"]), rx.text(row["phone"], size="1", color_scheme="gray")),
        rx.table.cell(row["service"]),
        rx.table.cell(widgets.status_badge(row["status"], row["color"])),
        rx.table.cell(row["total"], text_align="right"),
        class_name="booking-row",
    )


def list_view() -> rx.Component:
    return rx.vstack(
        filters(),
        rx.cond(
            S.rows.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(tr("wizard.when")),
                        rx.table.column_header_cell(tr("manage.bookings.client")),
                        rx.table.column_header_cell(tr("wizard.service")),
                        rx.table.column_header_cell(tr("wizard.status")),
                        rx.table.column_header_cell(tr("wizard.total"), text_align="right"),
                    )),
                    rx.table.body(rx.foreach(S.rows, list_row)),
                    width="100%", variant="surface", id="bookings-table",
                ),
                overflow_x="auto", width="100%",
            ),
            widgets.empty("manage.bookings.none"),
        ),
        rx.flex(
            rx.button("‹", on_click=S.turn_page(-1), disabled=S.page == 0, variant="soft",
                      aria_label=tr("manage.previous_page")),
            rx.text(tr("manage.page") + " " + S.pages_label + " · "
                    + S.total_label + " " + tr("manage.bookings.count"), id="bookings-count"),
            rx.button("›", on_click=S.turn_page(1), disabled=S.next_cursor == "", variant="soft",
                      aria_label=tr("manage.next_page")),
            spacing="3", align="center",
        ),
        spacing="3", width="100%",
    )


# --- one booking -------------------------------------------------------------------------------


def detail_item(label_key: str, value: rx.Var) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(tr(label_key)), rx.data_list.value(value))


def dialog_messages() -> rx.Component:
    return rx.cond(ManageState.error_text != "", rx.callout(ManageState.error_text, color_scheme="red", role="alert"))


def booking_dialog() -> rx.Component:
    b = S.selected
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("wizard.reference") + " #" + b["id"]),
            rx.vstack(
                widgets.status_badge(b["status"], b["color"]),
                rx.data_list.root(
                    detail_item("wizard.when", b["date_label"] + " " + b["start"] + "–" + b["end"]),
                    detail_item("manage.bookings.client", b["client"]),
                    detail_item("field.email", b["email"]),
                    detail_item("field.phone", b["phone"]),
                    detail_item("wizard.service", b["service"]),
                    detail_item("manage.bookings.calendar_name", b["calendar"]),
                    detail_item("wizard.persons", b["persons"]),
                    detail_item("wizard.total", b["total"]),
                    detail_item("manage.bookings.payment", widgets.tr_dynamic("manage.payment.", b["payment_status"])),
                    orientation={"initial": "vertical", "sm": "horizontal"},
                ),
                rx.cond(b["notes"] != "", rx.text(tr("manage.bookings.notes") + ": " + b["notes"], size="2")),
                rx.cond(b["cancel_reason"] != "", rx.text(tr("manage.bookings.reason") + ": " + b["cancel_reason"], size="2")),
                dialog_messages(),
                rx.cond(ManageState.notice_text != "", rx.callout(ManageState.notice_text, color_scheme="green", role="status")),
                rx.flex(
                    rx.cond(b["can_confirm"] == "1", rx.button(tr("manage.bookings.confirm"), on_click=S.confirm_selected,
                                                               id="booking-confirm")),
                    rx.cond(b["can_finish"] == "1", rx.button(tr("manage.bookings.complete"), on_click=S.complete_selected,
                                                              variant="soft", id="booking-complete")),
                    rx.cond(b["can_finish"] == "1", rx.button(tr("manage.bookings.no_show"), on_click=S.no_show_selected,
                                                              variant="soft", color_scheme="red", id="booking-no-show")),
                    spacing="2", wrap="wrap",
                ),
                rx.cond(b["can_reschedule"] == "1", reschedule_form()),
                rx.cond(b["can_cancel"] == "1", cancel_form()),
                refunds_section(),
                rx.flex(rx.dialog.close(rx.button(tr("account.close"), variant="soft", color_scheme="gray")), justify="end"),
                spacing="3", width="100%",
            ),
            max_width="36em", id="booking-dialog",
        ),
        open=S.detail_open, on_open_change=S.close_booking,
    )


def cancel_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.box(widgets.field(tr("manage.bookings.cancel_reason"), "reason", "", prefix="cancel"), flex="1", min_width="12em"),
            rx.button(tr("manage.bookings.cancel"), type="submit", color_scheme="red", id="booking-cancel"),
            spacing="2", align="end", wrap="wrap",
        ),
        on_submit=S.cancel_selected, reset_on_submit=True, width="100%",
    )


def reschedule_form() -> rx.Component:
    return rx.vstack(
        rx.form(
            rx.flex(
                rx.box(widgets.field(tr("account.new_day"), "day", S.resched_day, type_="date", prefix="resched"),
                       flex="1", min_width="12em"),
                rx.button(tr("account.show_times"), type="submit", variant="soft", id="reschedule-find"),
                spacing="2", align="end", wrap="wrap",
            ),
            on_submit=S.find_reschedule_times, reset_on_submit=False, width="100%",
        ),
        rx.cond(
            S.resched_slots.length() > 0,
            rx.flex(rx.foreach(S.resched_slots, lambda s: rx.button(
                s["label"], on_click=S.reschedule_to(s["iso"]), variant="outline", custom_attrs={"data-start": s["iso"]})),
                spacing="2", wrap="wrap", id="reschedule-times"),
            rx.cond(S.resched_searched, rx.text(tr("wizard.no_free_times"), size="2")),
        ),
        spacing="2", width="100%",
    )


def content() -> rx.Component:
    return rx.vstack(
        toolbar(),
        rx.cond(S.mode == "calendar", calendar_view(), list_view()),
        booking_dialog(),
        phone_dialog(),
        rx.moment(interval=REFRESH_MS, format="HH:mm:ss", on_change=S.refresh, display="none"),
        spacing="4", width="100%",
    )


def bookings_page() -> rx.Component:
    return manage_page("bookings", "manage.nav.bookings", content())


def register(app: rx.App) -> None:
    register_section(app, "/manage/bookings", bookings_page, [S.load])
