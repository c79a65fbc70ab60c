"""What every admin view shares: domain calls with the admin's context, readable references,
related records on detail pages, and columns that are never shown (hashes, secrets)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, ClassVar

import anyio
from markupsafe import Markup
from sqladmin import ModelView
from sqladmin.helpers import object_identifier_values, slugify_class_name
from sqlalchemy import select
from starlette.requests import Request
from wtforms import SelectField, validators

from admin.i18n import current_locale, label
from admin.views.counts import capped_count, list_count
from admin.views.labels import choices_for, label_for, load_labels
from hub_app.db import unit_of_work
from hub_app.domain.platform.rows import delete_row, save_row
from hub_app.domain.tenancy import TenantContext
from hub_app.read_replica import analytics_unit_of_work

RELATED_LIMIT = 10


def is_hidden_column(name: str) -> bool:
    """Password hashes, token and key hashes, and stored secrets never reach a page, an export
    or a form."""
    return name.endswith(("_hash", "_encrypted"))


def admin_ctx(request: Request) -> TenantContext:
    from dataclasses import replace

    return replace(TenantContext.for_user(request.state.admin_user), locale=current_locale())


async def run_domain(request: Request, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a domain function in one committed unit of work, off the event loop."""
    ctx = admin_ctx(request)

    def work() -> Any:
        with unit_of_work(ctx) as db:
            return fn(db, ctx, *args, **kwargs)

    return await anyio.to_thread.run_sync(work)


async def run_analytics(request: Request, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Like run_domain, for a read-only figure: on the analytics replica when it is fit."""
    ctx = admin_ctx(request)

    def work() -> Any:
        with analytics_unit_of_work(ctx) as db:
            return fn(db, ctx, *args, **kwargs)

    return await anyio.to_thread.run_sync(work)


def _int_or_none(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


def _enum_value(value: Any) -> str:
    return value.value if isinstance(value, enum.Enum) else str(value)


def _model_for_table(table_name: str) -> type | None:
    from sqlmodel import SQLModel

    for mapper in SQLModel._sa_registry.mappers:
        if mapper.local_table.name == table_name:
            return mapper.class_
    return None


class HubModelView(ModelView):
    """Base of every table view. Subclasses set `model=` and the usual SQLAdmin options."""

    page_size = 25
    page_size_options = [25, 50, 100]
    # Foreign keys are plain columns here (the models declare no ORM relationships): include them.
    form_include_pk = True
    # Markers telling `scaffold_form` which form it builds (create or edit).
    form_create_rules = ["__create__"]
    form_edit_rules = ["__edit__"]
    details_template = "hub_admin/details.html"
    # Foreign-key columns edited through a select box of names (small tables only).
    fk_selects: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self._foreign_keys = self._find_foreign_keys()
        formatters = {col: self._reference_formatter(target) for col, target in self._foreign_keys.items()}
        self.column_formatters = {**formatters, **self._own(type(self).column_formatters)}
        self.column_formatters_detail = {**formatters, **self._own(type(self).column_formatters_detail)}
        super().__init__()

    @staticmethod
    def _own(mapping: dict) -> dict:
        return {(k if isinstance(k, str) else k.key): v for k, v in mapping.items()}

    # --- columns ----------------------------------------------------------------------------

    def _find_foreign_keys(self) -> dict[str, type]:
        found = {}
        for column in self.model.__table__.columns:
            for fk in column.foreign_keys:
                target = _model_for_table(fk.column.table.name)
                if target is not None and fk.column.name == "id":
                    found[column.key] = target
        return found

    def get_list_columns(self) -> list[str]:
        return [c for c in super().get_list_columns() if not is_hidden_column(c)]

    def get_details_columns(self) -> list[str]:
        return [c for c in super().get_details_columns() if not is_hidden_column(c)]

    def get_export_columns(self) -> list[str]:
        return [c for c in super().get_export_columns() if not is_hidden_column(c)]

    def get_form_columns(self) -> list[str]:
        skip = {"id", "created_at", "updated_at"}
        return [c for c in super().get_form_columns() if not is_hidden_column(c) and c not in skip]

    def search_placeholder(self) -> str:
        # Labels are lazy translations: make them text before joining.
        return ", ".join(str(self._column_labels.get(f, f)) for f in self._search_fields)

    async def get_prop_value(self, obj: Any, prop: str) -> Any:
        # Our enums are stored and shown by value ("pending"), not by member name ("PENDING").
        for part in prop.split("."):
            obj = getattr(obj, part, None)
        return obj.value if isinstance(obj, enum.Enum) else obj

    # --- references shown by name -----------------------------------------------------------

    def _details_url(self, request: Request, target: type, pk: Any) -> str | None:
        identity = slugify_class_name(target.__name__)
        if not any(getattr(v, "identity", None) == identity and v.is_model for v in self._admin_ref.views):
            return None
        return str(request.url_for("admin:details", identity=identity, pk=pk))

    def _reference_formatter(self, target: type) -> Callable[[Any, str, Request], Any]:
        def formatter(obj: Any, attribute: str, request: Request) -> Any:
            value = getattr(obj, attribute, None)
            if value is None:
                return ""
            labels = getattr(request.state, "hub_labels", {})
            text = labels.get((target, value), f"#{value}")
            url = self._details_url(request, target, value)
            return Markup('<a href="{}">{}</a>').format(url, text) if url else text

        return formatter

    async def _load_labels(self, request: Request, rows: list[Any]) -> None:
        wanted: dict[type, set[int]] = {}
        for row in rows:
            for column, target in self._foreign_keys.items():
                value = getattr(row, column, None)
                if value is not None:
                    wanted.setdefault(target, set()).add(value)

        def work() -> dict:
            with self.session_maker() as session:
                return load_labels(session, wanted)

        request.state.hub_labels = await anyio.to_thread.run_sync(work)

    async def count(self, request: Request, stmt=None) -> int:
        """Bounded: an estimate or a count that stops at COUNT_CAP (admin/views/counts.py)."""
        if stmt is None:
            return await super().count(request, stmt)
        listed = stmt.get_final_froms()[0].element  # SQLAdmin passes COUNT(*) over the list's select
        filters = {f.parameter_name for f in self.get_filters()}
        unfiltered = (not request.query_params.get("search") and not filters & set(request.query_params)
                      and listed.whereclause is None)

        def work() -> int:
            with self.session_maker() as session:
                return list_count(session, listed, self.model.__table__.name, unfiltered)

        return await anyio.to_thread.run_sync(work)

    async def list(self, request: Request):
        pagination = await super().list(request)
        await self._load_labels(request, pagination.rows)
        return pagination

    async def get_object_for_details(self, request: Request) -> Any:
        obj = await super().get_object_for_details(request)
        if obj is not None:
            await self._load_labels(request, [obj])
            request.state.hub_object = obj
        return obj

    # --- details: related records and extra rows ---------------------------------------------

    def detail_extras(self, obj: Any) -> list[tuple[str, str]]:
        """Extra (label, value) rows for the detail page (e.g. whether a secret is set)."""
        return []

    async def details_context(self, request: Request) -> dict[str, Any]:
        obj = getattr(request.state, "hub_object", None)
        if obj is None or not isinstance(getattr(obj, "id", None), int):
            return {"related": [], "detail_extras": []}
        views = [v for v in self._admin_ref.views if v.is_model]
        wanted = []
        for view in views:
            for column, target in getattr(view, "_foreign_keys", {}).items():
                if target is self.model:
                    wanted.append((view, column))

        def work() -> list:
            sections = []
            with self.session_maker() as session:
                for view, column in wanted:
                    col = getattr(view.model, column)
                    total = capped_count(session, select(view.model.__table__.c[column]).where(col == obj.id))
                    if total:
                        rows = list(session.scalars(select(view.model).where(col == obj.id).limit(RELATED_LIMIT)))
                        sections.append((view, column, total, [(row, label_for(row)) for row in rows]))
            return sections

        related = []
        for view, column, total, rows in await anyio.to_thread.run_sync(work):
            title = f"{view.name_plural} · {view._column_labels.get(column, column)}"
            links = [(text, str(view._build_url_for("admin:details", request, row))) for row, text in rows]
            related.append({"title": title, "total": total, "links": links})
        return {"related": related, "detail_extras": self.detail_extras(obj)}

    # --- forms ------------------------------------------------------------------------------

    def extra_form_fields(self, creating: bool) -> dict[str, Any]:
        """Form fields that are not columns (write-only secrets, a first password)."""
        return {}

    async def scaffold_form(self, rules: list[str] | None = None):
        creating = rules == self._form_create_rules
        # Fresh arguments per form: WTForms' converter appends validators to what it is given.
        enum_args = {
            c.key: {"coerce": _enum_value}
            for c in self.model.__table__.columns if hasattr(c.type, "enums")
        }
        own = type(self).form_args
        self.form_args = {
            k: {name: (list(value) if isinstance(value, list) else value)
                for name, value in {**enum_args.get(k, {}), **own.get(k, {})}.items()}
            for k in set(enum_args) | set(own)
        }
        base = await super().scaffold_form(None)
        fields: dict[str, Any] = {}
        for column in self.fk_selects:
            if column in self._form_prop_names:
                fields[column] = await self._select_field(column)
        fields.update(self.extra_form_fields(creating))
        return type(base.__name__, (base,), fields) if fields else base

    async def _select_field(self, column: str) -> SelectField:
        target = self._foreign_keys[column]
        nullable = self.model.__table__.columns[column].nullable

        def work() -> list:
            with self.session_maker() as session:
                return choices_for(session, target)

        choices = [("", "—")] + [(str(pk), text) for pk, text in await anyio.to_thread.run_sync(work)]
        check = validators.Optional() if nullable else validators.InputRequired()
        return SelectField(self._column_labels.get(column, column), choices=choices, coerce=_int_or_none,
                           validators=[check])

    # --- writes through the domain --------------------------------------------------------------

    def _pk(self, pk: Any) -> Any:
        values = object_identifier_values(str(pk), self.model)
        return values[0] if len(values) == 1 else tuple(values)

    def split_form_data(self, data: dict) -> tuple[dict, dict]:
        """(column values, secrets to encrypt) from submitted form data."""
        columns = set(self._form_prop_names)
        return {k: v for k, v in data.items() if k in columns}, {}

    async def insert_model(self, request: Request, data: dict) -> Any:
        values, secrets = self.split_form_data(data)
        return await run_domain(request, save_row, self.model, None, values, secrets)

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        values, secrets = self.split_form_data(data)
        return await run_domain(request, save_row, self.model, self._pk(pk), values, secrets)

    async def delete_model(self, request: Request, pk: Any) -> None:
        await run_domain(request, delete_row, self.model, self._pk(pk))


class ReadOnlyView(HubModelView):
    """Records the product writes itself (payments, webhook deliveries, the audit log)."""

    can_create = False
    can_edit = False
    can_delete = False


def action_label(key: str, fallback: str) -> str:
    return label(f"action.{key}", fallback)


# Menu categories: one object each, so views of a category share its menu entry.
MENU_PEOPLE = label("menu.people", "People")
MENU_STORES = label("menu.stores", "Stores")
MENU_SCHEDULING = label("menu.scheduling", "Scheduling")
MENU_BOOKINGS = label("menu.bookings", "Bookings & payments")
MENU_PLANS = label("menu.plans", "Plans & subscriptions")
MENU_MESSAGES = label("menu.messages", "Notifications")
MENU_INTEGRATIONS = label("menu.integrations", "Integrations & logs")
