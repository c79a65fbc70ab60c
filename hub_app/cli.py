"""`python -m hub_app <command>`: migrate, create-admin, seed-demo, backup, restore."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hub_app.settings import PROJECT_ROOT, get_settings


def alembic_config(database_url: str | None = None):
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def migrate(database_url: str | None = None) -> None:
    from alembic import command

    url = database_url or get_settings().resolved_database_url
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
    # "heads": parallel branches of migrations are applied together until they are merged.
    command.upgrade(alembic_config(url), "heads")
    if url.startswith("postgresql"):
        # Every deploy: the app's login role, its password and the cross-store key follow the
        # current settings (DB_APP_PASSWORD, HUB_SECRET_KEY), not those of the first migration.
        from hub_app.row_security import sync_app_role_at

        sync_app_role_at(url)


def create_admin(email: str, password: str) -> int:
    from hub_app.db import unit_of_work
    from hub_app.domain.accounts.service import ensure_admin
    from hub_app.domain.errors import DomainError
    from hub_app.domain.tenancy import TenantContext

    try:
        with unit_of_work(TenantContext.system()) as db:
            user, created = ensure_admin(db, email, password)
            print(f"admin {user.email} {'created' if created else 'already existed (password set)'}")
    except DomainError as exc:
        print(f"error: {exc.message} {exc.fields or ''}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub_app", description="Appointment Hub commands")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations (alembic upgrade head)")
    admin = sub.add_parser("create-admin", help="create an admin, or reset its password (idempotent)")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    sub.add_parser("seed-demo", help="create the demo store, its manager, services and bookings (idempotent)")
    backup_cmd = sub.add_parser("backup", help="write a consistent backup of the database")
    backup_cmd.add_argument("--output", help="file to write (default: data/backups/hub-<time>.*)")
    restore_cmd = sub.add_parser("restore", help="replace the database's contents with a backup")
    restore_cmd.add_argument("file")
    args = parser.parse_args(argv)
    get_settings().check_for_production()
    if args.command == "migrate":
        migrate()
        print("database is at the latest migration")
        return 0
    if args.command == "create-admin":
        return create_admin(args.email, args.password)
    if args.command == "seed-demo":
        from hub_app.demo import seed_demo

        for line in seed_demo():
            print(line)
        return 0
    if args.command == "backup":
        from hub_app.backup import backup

        print(f"backup written to {backup(args.output)}")
        return 0
    if args.command == "restore":
        from hub_app.backup import restore

        restore(args.file)
        print(f"database restored from {args.file}")
        return 0
    return 1
