"""Security tests run against the real ASGI app (`create_api()`) over a committed database.

The `api`/`world` fixtures and helpers of tests/api are reused: two stores with their managers,
an admin and a client, built through the domain layer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub_app.security.config import reset_security_settings_cache
from tests.api.conftest import api, world  # noqa: F401  (fixtures shared with the API tests)


@pytest.fixture
def security_env(monkeypatch) -> Iterator:
    """Set protection settings (environment variables) for apps built inside the test."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        reset_security_settings_cache()

    yield apply
    reset_security_settings_cache()
