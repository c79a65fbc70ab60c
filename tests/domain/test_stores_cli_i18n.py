"""Stores (onboarding, slugs), the CLI's idempotent commands, settings and the translation layer."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub_app.cli import main as cli_main
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import ensure_admin
from hub_app.domain.errors import NotFound, PermissionDenied, ValidationFailed
from hub_app.domain.stores.models import Store
from hub_app.domain.stores.service import (
    ManagerInput, StoreInput, get_store_by_slug, onboard_store, update_store,
)
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_datetime, format_money, t
from hub_app.settings import Settings
from tests.factories import make_store


def _admin_ctx(db):
    admin, _ = ensure_admin(db, "root@example.com", "admin-password")
    return TenantContext.for_user(admin)


def test_onboarding_creates_store_and_its_manager_together(db):
    store, manager = onboard_store(db, _admin_ctx(db), StoreInput(name="Kipos Spa", slug="Kipos-Spa", timezone="Europe/Athens"),
                                   ManagerInput(email="Boss@Kipos.example", password="manager-pass"))
    assert store.slug == "kipos-spa" and store.manager_user_id == manager.id
    assert manager.role == UserRole.STORE_MANAGER and manager.store_id == store.id


def test_onboarding_rejects_bad_input_without_creating_anything(db):
    ctx = _admin_ctx(db)
    before = db.scalar(select(func.count()).select_from(Store))
    with pytest.raises(ValidationFailed) as err:
        onboard_store(db, ctx, StoreInput(name="", slug="admin", timezone="Mars/Base", currency="euro"),
                      ManagerInput(email="x@example.com", password="manager-pass"))
    assert {"name", "slug", "timezone", "currency"} <= set(err.value.fields)
    assert db.scalar(select(func.count()).select_from(Store)) == before


def test_only_admins_onboard(db):
    _, manager = make_store(db)
    with pytest.raises(PermissionDenied):
        onboard_store(db, TenantContext.for_user(manager), StoreInput(name="X", slug="x-store"),
                      ManagerInput(email="x@example.com", password="manager-pass"))


def test_slug_change_keeps_the_old_link_working(db):
    store, manager = make_store(db, "old-name")
    make_store(db, "taken-name")
    ctx = TenantContext.for_user(manager)
    with pytest.raises(ValidationFailed):
        update_store(db, ctx, store.id, {"slug": "taken-name"})
    update_store(db, ctx, store.id, {"slug": "new-name", "cancellation_cutoff_hours": 12})
    assert get_store_by_slug(db, "old-name").id == store.id
    assert get_store_by_slug(db, "new-name").id == store.id
    with pytest.raises(NotFound):
        get_store_by_slug(db, "never-existed")


def test_manager_cannot_edit_another_store_or_admin_fields(db):
    store, manager = make_store(db)
    other, _ = make_store(db)
    ctx = TenantContext.for_user(manager)
    with pytest.raises(NotFound):
        update_store(db, ctx, other.id, {"name": "Mine now"})
    with pytest.raises(PermissionDenied):
        update_store(db, ctx, store.id, {"stripe_enabled": True})


def test_cli_commands_are_idempotent(committed_engine, capsys):
    assert cli_main(["create-admin", "--email", "Ops@Example.com", "--password", "ops-password"]) == 0
    assert cli_main(["create-admin", "--email", "ops@example.com", "--password", "ops-password"]) == 0
    assert cli_main(["seed-demo"]) == 0
    assert cli_main(["seed-demo"]) == 0
    out = capsys.readouterr().out
    assert "(created)" in out and "(already there)" in out
    with committed_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Store).where(Store.slug == "demo-salon")) == 1
        assert conn.scalar(select(func.count()).select_from(AppUser).where(AppUser.email == "ops@example.com")) == 1


def test_production_refuses_placeholder_secret():
    with pytest.raises(RuntimeError):
        Settings(hub_env="prod").check_for_production()
    Settings(hub_env="prod", hub_secret_key="x" * 40).check_for_production()
    Settings(hub_env="dev").check_for_production()


def test_database_url_spellings_use_psycopg3():
    assert Settings(database_url="postgres://u@h/db").resolved_database_url == "postgresql+psycopg://u@h/db"
    assert Settings(database_url=None, sqlite_path=Path("/tmp/x.db")).resolved_database_url == "sqlite:////tmp/x.db"


def test_catalogs_have_the_same_keys_and_placeholders():
    import re

    root = Path(__file__).resolve().parents[2] / "hub_app" / "i18n"
    en = json.loads((root / "en.json").read_text())
    el = json.loads((root / "el.json").read_text())
    assert set(en) == set(el)
    for key in en:
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", el[key])), key


def test_translation_and_locale_formatting():
    assert t("store.not_found", "el") == "Αυτό το κατάστημα δεν υπάρχει."
    assert t("store.not_found", "fr") == "This store does not exist."
    assert format_money(Decimal("1234.50"), "EUR", "el") == "1.234,50\xa0€"
    assert format_money(Decimal("1234.50"), "EUR", "en") == "€1,234.50"
    instant = datetime(2026, 7, 1, 7, 30, tzinfo=timezone.utc)
    assert "10:30" in format_datetime(instant, "Europe/Athens", "el")
    assert "3:30" in format_datetime(instant, "America/New_York", "en")
