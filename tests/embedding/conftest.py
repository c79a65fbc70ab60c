"""Embedding tests run the real ASGI app (`create_api()`) wrapped in the cross-origin policy that
wraps the production server (`hub_app.hub_app.HubApp`), over the API tests' `world`."""

from __future__ import annotations

import pytest

from hub_app.domain.embedding.policy import forget_embed_policies
from hub_app.security.cors import reset_app_origins
from tests.api.conftest import api, world  # noqa: F401  (fixtures shared with the API tests)


@pytest.fixture(autouse=True)
def fresh_policies():
    """Each test's stores are new rows under the same slugs: no policy read by an earlier test."""
    forget_embed_policies()
    reset_app_origins()
    yield
    forget_embed_policies()
    reset_app_origins()
