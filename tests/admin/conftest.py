"""Admin panel tests: real HTTP through create_api() (Starlette TestClient) on a committed database."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from hub_app.api.app import create_api
from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.tenancy import TenantContext
from tests.factories import PASSWORD, make_client, make_store, make_user


def seed(fn: Callable[[Session], Any]) -> Any:
    """Arrange data in its own committed transaction (as another process would)."""
    with unit_of_work(TenantContext.system()) as db:
        return fn(db)


def fetch(model: type, pk: Any) -> Any:
    return seed(lambda db: db.get(model, pk))


def login(client: TestClient, email: str, password: str = PASSWORD, **kw):
    return client.post("/admin/login", data={"username": email, "password": password},
                       follow_redirects=False, **kw)


def flashed(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'<div class="toast-body">(.*?)</div>', html, re.S)]


@pytest.fixture
def client(committed_engine) -> Iterator[TestClient]:
    with TestClient(create_api(), base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def admin_user(committed_engine) -> AppUser:
    return seed(lambda db: make_user(db, UserRole.ADMIN, email="root@example.com", first_name="Ada"))


@pytest.fixture
def admin_client(client: TestClient, admin_user: AppUser) -> TestClient:
    response = login(client, admin_user.email)
    assert response.status_code == 302, response.text
    return client


@pytest.fixture
def shop(committed_engine):
    """A store with its manager, and a client."""
    def build(db):
        store, manager = make_store(db, name="Salon Athina", slug="salon-athina")
        client_user = make_client(db)
        return store, manager, client_user

    return seed(build)
