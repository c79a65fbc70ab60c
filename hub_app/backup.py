"""Backups: `python -m hub_app backup` and `restore`.

SQLite uses the online backup API (a consistent copy while the app keeps running); PostgreSQL
uses pg_dump's custom format and pg_restore, run as the database owner from DATABASE_URL.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from hub_app.settings import PROJECT_ROOT, get_settings


def default_backup_path(url: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if url.startswith("sqlite") else "pgdump"
    return PROJECT_ROOT / "data" / "backups" / f"hub-{stamp}.{suffix}"


def _libpq_args(url: str) -> tuple[list[str], dict[str, str]]:
    parsed = make_url(url)
    args = ["--host", parsed.host or "127.0.0.1", "--port", str(parsed.port or 5432)]
    if parsed.username:
        args += ["--username", parsed.username]
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def backup(output: Path | None = None, database_url: str | None = None) -> Path:
    url = database_url or get_settings().resolved_database_url
    target = Path(output) if output else default_backup_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = sqlite3.connect(url.split("///", 1)[1])
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        return target
    import os

    args, env = _libpq_args(url)
    subprocess.run(
        [_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--file", str(target), make_url(url).database],
        check=True, env={**os.environ, **env},
    )
    return target


def restore(source: Path, database_url: str | None = None) -> None:
    """Replace the database's contents with the backup's. The app should be stopped meanwhile."""
    url = database_url or get_settings().resolved_database_url
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(source)
    if url.startswith("sqlite"):
        src = sqlite3.connect(source)
        dest = sqlite3.connect(url.split("///", 1)[1])
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
        return
    import os

    args, env = _libpq_args(url)
    subprocess.run(
        [_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--dbname", make_url(url).database, str(source)],
        check=True, env={**os.environ, **env},
    )
