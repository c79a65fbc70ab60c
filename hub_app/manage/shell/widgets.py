"""Building blocks of the dashboard pages: labelled fields tied to their error texts, sections,
status badges. Sized for touch (tablet) use."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.shell.state import ManageState
from hub_app.pages.components import tr


def field_error(name: str, errors: rx.Var | None = None) -> rx.Var:
    return (errors if errors is not None else ManageState.field_errors).get(name, "")


def _error_text(error: rx.Var, error_id: str) -> rx.Component:
    return rx.cond(error != "", rx.text(error, id=error_id, color_scheme="red", size="2", role="alert"),
                   rx.box(id=error_id))


def field(label: rx.Var | str, name: str, default: rx.Var | str = "", *, type_: str = "text", prefix: str = "m",
          errors: rx.Var | None = None, hint: rx.Var | str | None = None, input_mode: str | None = None,
          **input_props) -> rx.Component:
    """A labelled input; its error (from the domain's field errors) is announced and tied to it."""
    input_id = f"{prefix}-{name}"
    error = field_error(name, errors)
    attrs = {"aria-invalid": rx.cond(error != "", "true", "false"), "aria-describedby": f"{input_id}-error"}
    if input_mode:
        attrs["inputmode"] = input_mode
    return rx.vstack(
        rx.el.label(label, html_for=input_id, style={"fontWeight": "500", "fontSize": "0.9em"}),
        rx.input(id=input_id, name=name, type=type_, default_value=default, size="3", width="100%",
                 color_scheme=rx.cond(error != "", "red", "gray"), custom_attrs=attrs, **input_props),
        *([rx.text(hint, size="1", color_scheme="gray")] if hint is not None else []),
        _error_text(error, f"{input_id}-error"),
        spacing="1", width="100%", align="stretch",
    )


def textarea(label: rx.Var | str, name: str, default: rx.Var | str = "", *, prefix: str = "m", rows: str = "4",
             errors: rx.Var | None = None) -> rx.Component:
    input_id = f"{prefix}-{name}"
    error = field_error(name, errors)
    return rx.vstack(
        rx.el.label(label, html_for=input_id, style={"fontWeight": "500", "fontSize": "0.9em"}),
        rx.text_area(id=input_id, name=name, default_value=default, rows=rows, size="3", width="100%",
                     custom_attrs={"aria-invalid": rx.cond(error != "", "true", "false"),
                                   "aria-describedby": f"{input_id}-error"}),
        _error_text(error, f"{input_id}-error"),
        spacing="1", width="100%", align="stretch",
    )


SELECT_STYLE = {"fontSize": "1em", "padding": "0.45em 0.5em", "minHeight": "2.6em", "borderRadius": "var(--radius-2)",
                "border": "1px solid var(--gray-a7)", "background": "var(--color-surface)", "width": "100%"}


def select(label: rx.Var | str, name: str, options: list[tuple[str, rx.Var | str]] | None = None, *,
           default: rx.Var | str = "", prefix: str = "m", dynamic: rx.Var | None = None,
           errors: rx.Var | None = None, **props) -> rx.Component:
    """A native select (reliable in forms and on touch screens). `options` are (value, label);
    `dynamic` is a list var of {"id", "name"} dicts appended after them."""
    input_id = f"{prefix}-{name}"
    error = field_error(name, errors)
    children = [rx.el.option(text, value=value) for value, text in (options or [])]
    if dynamic is not None:
        children.append(rx.foreach(dynamic, lambda o: rx.el.option(o["name"], value=o["id"])))
    return rx.vstack(
        rx.el.label(label, html_for=input_id, style={"fontWeight": "500", "fontSize": "0.9em"}),
        rx.el.select(*children, id=input_id, name=name, default_value=default, style=SELECT_STYLE,
                     custom_attrs={"aria-invalid": rx.cond(error != "", "true", "false"),
                                   "aria-describedby": f"{input_id}-error"}, **props),
        _error_text(error, f"{input_id}-error"),
        spacing="1", width="100%", align="stretch",
    )


def checkbox(label: rx.Var | str, name: str, checked: rx.Var | bool = False, *, prefix: str = "m",
             **props) -> rx.Component:
    input_id = f"{prefix}-{name}"
    return rx.el.label(
        rx.el.input(type="checkbox", id=input_id, name=name, default_checked=checked,
                    style={"width": "1.3em", "height": "1.3em"}, **props),
        rx.text(label, as_="span"),
        html_for=input_id,
        style={"display": "flex", "alignItems": "center", "gap": "0.5em", "minHeight": "2.4em", "cursor": "pointer"},
    )


def photo_upload(label: rx.Var | str, *children, **props) -> rx.Component:
    """`rx.upload` whose file input is named: the drop zone's hidden <input type="file"> is what
    assistive technology and axe see, and Reflex passes no props to it. Keyboard users reach
    the visible button inside (no_keyboard: the zone itself is not a second, unnamed tab stop)."""
    upload = rx.upload(*children, no_keyboard=True, **props)
    zone = upload.children[0]
    file_input = zone.children[0]
    if getattr(file_input, "tag", None) != "input":
        raise RuntimeError("rx.upload no longer starts with its file input: label that input here")
    file_input.custom_attrs = {**file_input.custom_attrs, "aria-label": label}
    return upload


def scrolling_table(table: rx.Component, label: rx.Var | str) -> rx.Component:
    """A table that may be wider than a phone. This box scrolls it sideways and takes keyboard
    focus, so arrow keys scroll it too (WCAG 2.1.1); the scroll area Radix puts inside every
    table is kept from scrolling by assets/theme.css (.table-scroll), as it cannot be focused."""
    return rx.box(table, overflow_x="auto", width="100%", tab_index=0, role="region", aria_label=label,
                  class_name="table-scroll")


def section(title: rx.Var | str, *children, id_: str | None = None, **props) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="5", as_="h2"), *children, spacing="3", width="100%", align="stretch"),
        width="100%", id=id_, **props,
    )


def status_badge(status: rx.Var, color: rx.Var) -> rx.Component:
    return rx.badge(tr_dynamic("booking.status.", status), color_scheme=color, size="2", variant="soft",
                    custom_attrs={"data-status": status})


def tr_dynamic(prefix: str, value: rx.Var) -> rx.Var:
    """The text for the key `prefix + value` (a status, a kind) in the reader's language."""
    from hub_app.state.session import SessionState

    return SessionState.tr[prefix + value]


def grid(*children, min_width: str = "14em", **props) -> rx.Component:
    """Form fields side by side when there is room (two or three on a tablet), stacked on a phone."""
    return rx.box(*children, style={"display": "grid", "gap": "0.9em",
                                    "gridTemplateColumns": f"repeat(auto-fill, minmax({min_width}, 1fr))"},
                  width="100%", **props)


def empty(text_key: str) -> rx.Component:
    return rx.text(tr(text_key), color_scheme="gray", size="2")


def plan_banners(banners: rx.Var) -> rx.Component:
    """What the store's plan means now (a lapsed payment, the free plan's limits, SMS used up);
    the texts come translated from the domain (dashboard.plan_standing)."""
    return rx.foreach(banners, lambda text: rx.callout(text, color_scheme="amber", role="status",
                                                       class_name="plan-banner", width="100%"))
