"""Schemathesis against /api/v1/openapi.json, in process (ASGI), on PostgreSQL.

Every operation gets generated requests, valid and invalid, signed in as an admin (who may call
almost everything), with the path's store slug half of the time replaced by a real store so the
routes get past "store not found". Checked for each answer: no 5xx, the status code and content
type are documented, and the body and headers match the documented response schema.

Bounded for CI (SCHEMATHESIS_EXAMPLES per operation and mode, default 50, about two minutes); raise it
for a deeper run: `SCHEMATHESIS_EXAMPLES=300 pytest tests/security/test_schemathesis.py`.
"""

from __future__ import annotations

import os
import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hub_app.api.app import create_api
from hub_app.security.config import reset_security_settings_cache
from hub_app.settings import reset_settings_cache
from tests.api.conftest import bearer
from tests.calendly.fake_calendly import FakeCalendly

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "50"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]

pytestmark = pytest.mark.postgresql_only


# Violations found in routes of other owners are fixed in those routes, not listed here; this
# stays empty unless a violation is reported to an owner who is still working on the route.
KNOWN_VIOLATIONS: dict[tuple[str, str], tuple[str, ...]] = {}


@pytest.fixture
def fake_calendly(monkeypatch):
    fake = FakeCalendly().start()
    monkeypatch.setenv("CALENDLY_API_BASE", fake.base_url)
    yield fake
    fake.stop()


@pytest.fixture
def api_schema(committed_engine, world, fake_calendly, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_ENABLED", "false")
    reset_settings_cache()
    reset_security_settings_cache()
    app = create_api()
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    schema.world = world
    schema.app = app
    yield schema
    reset_security_settings_cache()


@pytest.fixture
def admin_headers(api_schema):
    from fastapi.testclient import TestClient

    with TestClient(api_schema.app) as client:
        return bearer(client, api_schema.world.admin_email)


def run_operation(operation, mode: GenerationMode, slug: str, headers: dict[str, str]) -> None:
    """Hypothesis over one operation; raises the first failing check (with the reproducing case)."""

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode))
    def probe(case) -> None:
        if "slug" in (case.path_parameters or {}) and len(str(case.path_parameters["slug"])) % 2 == 0:
            case.path_parameters["slug"] = slug
        case.call_and_validate(headers={} if operation.path == "/auth/logout" else dict(headers), checks=CHECKS)

    probe()


def test_api_answers_match_the_schema_and_never_fail(api_schema, admin_headers):
    failures: list[str] = []
    still_known: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 40
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(operation, mode, api_schema.world.slug_a, admin_headers)
            except Unsatisfiable:
                continue  # e.g. no invalid request exists for a lone string path parameter
            except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, report all
                text = f"{type(exc).__name__}: {exc}"
                known = KNOWN_VIOLATIONS.get((operation.label, mode.value), ())
                if any(signature in text for signature in known):
                    still_known.append(f"{operation.label} [{mode.value}]")
                    continue
                failures.append(f"{operation.label} [{mode.value}]: {text[:1500]}")
    if still_known:
        warnings.warn(f"known API schema violations still present: {still_known}", stacklevel=1)
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
