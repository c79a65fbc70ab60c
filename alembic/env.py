"""Alembic environment: the models' metadata and the URL from hub_app.settings.

Runs without importing Reflex. Batch mode only on SQLite (it cannot ALTER most things);
compare_type so `alembic check` notices type drift too.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from hub_app.domain import models
from hub_app.settings import get_settings

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = models.metadata


def _url() -> str:
    return config.attributes.get("database_url") or get_settings().resolved_database_url


def _render_item(type_, obj, autogen_context):
    # Our own column types live in hub_app.domain.types; everything else renders as usual.
    if type_ == "type" and type(obj).__module__ == "hub_app.domain.types":
        autogen_context.imports.add("from hub_app.domain import types as hub_types")
        return f"hub_types.{type(obj).__name__}()"
    return False


def _configure(connection=None, url=None) -> None:
    is_sqlite = (url or str(connection.engine.url)).startswith("sqlite")
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        compare_type=True,
        include_object=models.compared_in_schema_checks,
        render_as_batch=is_sqlite,
        render_item=_render_item,
        literal_binds=connection is None,
    )


def run_migrations_offline() -> None:
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = _url()
    if url.startswith("sqlite"):
        from pathlib import Path

        Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
