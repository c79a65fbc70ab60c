"""/manage: today's and upcoming bookings, and the figures of a chosen period as bar charts."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.overview.state import OverviewState as S
from hub_app.manage.shell import widgets
from hub_app.manage.shell.layout import manage_page, register_section
from hub_app.manage.shell.state import ManageState
from hub_app.pages.components import tr

REFRESH_MS = 15000


def booking_line(row: rx.Var) -> rx.Component:
    return rx.flex(
        rx.text(row["start"], weight="bold", width="3.5em", flex_shrink="0"),
        rx.text(row["client"] + " · " + row["service"], flex="1", size="2"),
        widgets.status_badge(row["status"], row["color"]),
        spacing="2", align="center", width="100%", padding_y="0.3em", border_bottom="1px solid var(--gray-a4)",
        class_name="overview-booking",
    )


def upcoming_line(row: rx.Var) -> rx.Component:
    return rx.flex(
        rx.text(row["date_label"] + " " + row["start"], weight="bold", width="9em", flex_shrink="0", size="2"),
        rx.text(row["client"] + " · " + row["service"], flex="1", size="2"),
        spacing="2", align="center", width="100%", padding_y="0.3em", border_bottom="1px solid var(--gray-a4)",
    )


def stat(label_key: str, value: rx.Var, id_: str) -> rx.Component:
    return rx.card(rx.vstack(rx.text(tr(label_key), size="2", color_scheme="gray"),
                             rx.text(value, size="6", weight="bold", id=id_), spacing="1"), flex="1", min_width="9em")


def bar_chart(title_key: str, value_key: str, bar_key: str, color: str, id_: str) -> rx.Component:
    return widgets.section(
        tr(title_key),
        rx.box(
            rx.foreach(S.days, lambda d: rx.box(
                rx.box(height=d[bar_key], background=f"var(--{color}-9)", width="100%", border_radius="2px 2px 0 0",
                       min_height=rx.cond(d[bar_key] != "0.0%", "2px", "0")),
                title=d["label"] + ": " + d[value_key], role="img", aria_label=d["label"] + ": " + d[value_key],
                style={"display": "flex", "alignItems": "flex-end", "height": "100%", "flex": "1", "minWidth": "3px"},
            )),
            style={"display": "flex", "gap": "2px", "height": "9em", "alignItems": "stretch",
                   "borderBottom": "1px solid var(--gray-a6)"},
            width="100%", id=id_,
        ),
        rx.flex(rx.text(S.days[0]["label"], size="1", color_scheme="gray"), rx.spacer(),
                rx.text(S.days[-1]["label"], size="1", color_scheme="gray"), width="100%"),
    )


def period_picker() -> rx.Component:
    return rx.flex(
        *[rx.button(tr(f"manage.overview.last_{n}"), on_click=S.choose_period(n), size="2",
                    variant=rx.cond(S.period == n, "solid", "soft")) for n in ("7", "30", "90")],
        rx.form(
            rx.flex(
                rx.input(name="first", type="date", default_value=S.first, aria_label=tr("manage.bookings.from"), size="2"),
                rx.input(name="last", type="date", default_value=S.last, aria_label=tr("manage.bookings.to"), size="2"),
                rx.button(tr("manage.calendars.show"), type="submit", size="2", variant="soft"),
                spacing="2", wrap="wrap",
            ),
            on_submit=S.custom_period, reset_on_submit=False, key=S.period_key,
        ),
        spacing="2", wrap="wrap", align="center",
    )


def content() -> rx.Component:
    return rx.vstack(
        widgets.plan_banners(S.banners),
        rx.box(
            widgets.section(tr("manage.overview.today"),
                       rx.cond(S.today_rows.length() > 0, rx.vstack(rx.foreach(S.today_rows, booking_line), spacing="0",
                                                                    width="100%"),
                               widgets.empty("manage.overview.nothing_today")), id_="today"),
            widgets.section(tr("manage.overview.upcoming"),
                       rx.cond(S.upcoming_rows.length() > 0, rx.vstack(rx.foreach(S.upcoming_rows, upcoming_line),
                                                                       spacing="0", width="100%"),
                               widgets.empty("manage.overview.nothing_upcoming")),
                       rx.link(tr("manage.overview.all_bookings"), href="/manage/bookings" + ManageState.store_query),
                       id_="upcoming"),
            style={"display": "grid", "gap": "1em", "gridTemplateColumns": "repeat(auto-fit, minmax(20em, 1fr))"},
            width="100%",
        ),
        rx.heading(tr("manage.overview.period"), size="5", as_="h2"),
        period_picker(),
        rx.flex(
            stat("manage.overview.bookings", S.totals["bookings"], "total-bookings"),
            stat("manage.overview.revenue", S.totals["revenue"], "total-revenue"),
            stat("manage.overview.cancellations", S.totals["cancellations"], "total-cancellations"),
            stat("manage.overview.no_shows", S.totals["no_shows"], "total-no-shows"),
            spacing="3", wrap="wrap", width="100%",
        ),
        rx.text(tr("manage.overview.definitions"), size="1", color_scheme="gray"),
        rx.box(
            bar_chart("manage.overview.bookings_per_day", "bookings", "bookings_bar", "teal", "chart-bookings"),
            bar_chart("manage.overview.revenue_per_day", "revenue", "revenue_bar", "blue", "chart-revenue"),
            bar_chart("manage.overview.cancellations_per_day", "cancellations", "cancel_bar", "gray", "chart-cancellations"),
            bar_chart("manage.overview.no_shows_per_day", "no_shows", "no_show_bar", "red", "chart-no-shows"),
            style={"display": "grid", "gap": "1em", "gridTemplateColumns": "repeat(auto-fit, minmax(20em, 1fr))"},
            width="100%",
        ),
        widgets.section(
            tr("manage.overview.utilisation"),
            rx.cond(S.utilisation.length() > 0, rx.vstack(rx.foreach(S.utilisation, lambda c: rx.vstack(
                rx.flex(rx.text(c["name"], weight="bold", size="2"), rx.spacer(),
                        rx.text(c["percent"] + "% · " + c["booked"] + " / " + c["open"] + " h", size="2"), width="100%"),
                rx.box(rx.box(width=c["bar"], height="100%", background="var(--teal-9)", border_radius="4px"),
                       height="0.8em", width="100%", background="var(--gray-a3)", border_radius="4px"),
                spacing="1", width="100%",
            )), width="100%"), widgets.empty("manage.calendars.none")),
            id_="utilisation",
        ),
        rx.moment(interval=REFRESH_MS, format="HH:mm:ss", on_change=S.refresh, display="none"),
        spacing="4", width="100%",
    )


def overview_page() -> rx.Component:
    return manage_page("overview", "manage.nav.overview", content())


def register(app: rx.App) -> None:
    register_section(app, "/manage", overview_page, [S.load])
