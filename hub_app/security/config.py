"""Settings of the HTTP protections (rate limits, body sizes, proxies, /metrics access).

Read from the environment (or `.env`) like hub_app/settings.py, and listed in `.env.example`.
Kept apart from the main settings so the protections can be tuned without touching the domain.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub_app.security.ratelimit import REDIS_TIMEOUT_SECONDS


class SecuritySettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Addresses (IPs or CIDRs, comma separated) of reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed. Empty: the TCP peer is the client and the scheme is as seen.
    trusted_proxies: str = ""

    # Largest request body, in bytes; uploads (Reflex's /_upload) get their own, larger limit.
    body_limit_bytes: int = Field(default=1024 * 1024, ge=1024)
    upload_body_limit_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)

    # Sign-in (API token and admin login): attempts per window, per client IP and per account.
    rate_limit_login_per_ip: int = Field(default=30, ge=1)
    rate_limit_login_per_account: int = Field(default=10, ge=1)
    rate_limit_login_window_seconds: int = Field(default=300, ge=1)
    # Booking (with or without registration): requests per window, per client IP and per account.
    rate_limit_booking_per_ip: int = Field(default=60, ge=1)
    rate_limit_booking_per_account: int = Field(default=10, ge=1)
    rate_limit_booking_window_seconds: int = Field(default=600, ge=1)
    # Requests per minute with one store API key (the REST API), whatever address sends them.
    rate_limit_api_key_per_minute: int = Field(default=600, ge=1)
    # Off only for benchmarks that must measure the app itself from a single address.
    rate_limit_enabled: bool = True
    # How long one counter round trip to Redis may take before this process counts in memory for
    # a few seconds (ratelimit.RedisRateLimiter). Far above a healthy Redis's answer (< 1 ms) and
    # above the stalls of a host saturated by password hashing, which is when the limits matter.
    rate_limit_redis_timeout_seconds: float = Field(default=REDIS_TIMEOUT_SECONDS, gt=0, le=30)

    # Origins of the app itself besides PUBLIC_BASE_URL's (comma separated, e.g. a second public
    # name of the same deployment): they get CORS with credentials everywhere but /admin. Stores'
    # embedding sites get CORS only on their own store's public booking endpoints (hub_app/security/cors.py).
    cors_allowed_origins: str = ""

    # When set, GET /metrics needs `Authorization: Bearer <token>`; otherwise restrict it at the proxy.
    metrics_token: str | None = None

    @property
    def extra_app_origins(self) -> list[str]:
        return [part.strip().rstrip("/").lower() for part in self.cors_allowed_origins.split(",") if part.strip()]

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]


@lru_cache
def get_security_settings() -> SecuritySettings:
    return SecuritySettings()


def reset_security_settings_cache() -> None:
    get_security_settings.cache_clear()
