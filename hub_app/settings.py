"""One settings object, read from the environment and an optional `.env` file.

Every setting is listed in `.env.example`. The embedded default (no DATABASE_URL, no REDIS_URL)
runs on a SQLite file and an in-process queue, which is what `make run` uses on a laptop.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRET = "change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # "dev" or "prod". Production refuses to start with a placeholder secret.
    hub_env: str = Field(default="dev")
    hub_secret_key: str = Field(default=PLACEHOLDER_SECRET)
    # Fernet key (urlsafe base64, 32 bytes) for provider secrets stored in the database.
    # Derived from HUB_SECRET_KEY when unset.
    hub_encryption_key: str | None = None

    database_url: str | None = None
    redis_url: str | None = None
    # PostgreSQL: the login role the app connects as (no superuser, no BYPASSRLS, owns nothing),
    # so row-level security applies to every statement it runs. DATABASE_URL is the tables'
    # owner, used by `migrate`, which creates or updates this role with DB_APP_PASSWORD.
    db_app_role: str = "hub_tenant"
    db_app_password: str | None = None
    # The app's own URL when it is not DATABASE_URL with DB_APP_ROLE/DB_APP_PASSWORD swapped in.
    database_app_url: str | None = None
    sqlite_path: Path = PROJECT_ROOT / "data" / "hub.db"
    # The app's connections go through a transaction-pooling PgBouncer: no server-side prepared
    # statements (the next transaction may run on another server connection that lacks them).
    db_transaction_pooler: bool = False
    # A streaming replica for the read-only analytics (manager overview, admin analytics); the
    # app's login role is put in like for DATABASE_URL. Unset, or further behind than
    # REPLICA_MAX_LAG_SECONDS, or down: those reads go to the primary (hub_app/read_replica.py).
    database_replica_url: str | None = None
    replica_max_lag_seconds: float = Field(default=30, gt=0)

    port: int = 3000
    public_base_url: str = "http://127.0.0.1:3000"
    default_locale: str = "en"
    default_timezone: str = "Europe/Athens"
    default_currency: str = "EUR"
    default_phone_region: str = "GR"

    # Bookings one server process works on at once (each takes a thread and a connection);
    # the rest wait in the event loop. More at once only contend for the same calendar locks and
    # the interpreter, which costs CPU: see README, Performance.
    booking_concurrency: int = Field(default=2, ge=1, le=64)

    # A session ends after this long unused; each use extends it (sliding), but never past
    # `session_max_days` after the sign-in: a stolen token does not stay good for ever.
    session_idle_hours: int = Field(default=12, ge=1)
    session_max_days: int = Field(default=30, ge=1)
    # Failed sign-ins per account and address before each further attempt waits a growing delay.
    login_max_failures: int = Field(default=5, ge=1)
    # Days a past-due store keeps its paid plan's limits before falling back to the free plan's.
    plan_grace_days: int = Field(default=7, ge=0, le=90)
    login_failure_window_minutes: int = 15

    upload_dir: Path = PROJECT_ROOT / "data" / "uploads"
    upload_max_bytes: int = 5 * 1024 * 1024

    # Providers: unset keys switch the integration off with a clear message.
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_connect_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    calendly_api_base: str = "https://api.calendly.com"
    calendly_webhook_tolerance_seconds: int = 180
    easysms_api_key: str | None = None
    easysms_sender: str | None = None
    easysms_api_base: str = "https://easysms.gr"
    easysms_callback_token: str | None = None
    outbound_http_proxy: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "Appointment Hub <no-reply@localhost>"

    @field_validator("hub_env")
    @classmethod
    def _known_env(cls, value: str) -> str:
        if value not in {"dev", "prod", "test"}:
            raise ValueError("HUB_ENV must be dev, prod or test")
        return value

    @property
    def is_production(self) -> bool:
        return self.hub_env == "prod"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return _psycopg_url(self.database_url)
        return f"sqlite:///{self.sqlite_path}"

    @property
    def app_database_url(self) -> str:
        """Where the app's own connections go: on PostgreSQL as DB_APP_ROLE, never as the owner."""
        if self.database_app_url:
            return _psycopg_url(self.database_app_url)
        url = self.resolved_database_url
        if not url.startswith("postgresql") or not self.db_app_role:
            return url
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        password = self.db_app_password
        if password is None and parsed.username == self.db_app_role:
            password = parsed.password  # DATABASE_URL already names the app's role
        return parsed.set(username=self.db_app_role, password=password).render_as_string(hide_password=False)

    @property
    def resolved_replica_url(self) -> str | None:
        return _psycopg_url(self.database_replica_url) if self.database_replica_url else None

    @property
    def is_postgres(self) -> bool:
        return self.resolved_database_url.startswith("postgresql")

    def check_for_production(self) -> None:
        """Refuse to run production with secrets anyone can read in the repository."""
        if self.is_production and (
            self.hub_secret_key == PLACEHOLDER_SECRET or len(self.hub_secret_key) < 32
        ):
            raise RuntimeError(
                "HUB_SECRET_KEY must be set to a random value of at least 32 characters "
                "when HUB_ENV=prod"
            )


def _psycopg_url(url: str) -> str:
    # psycopg 3 is the PostgreSQL driver; accept the common spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
