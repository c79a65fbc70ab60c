"""An admin erases a client's account from the panel (the person asked the platform)."""

from __future__ import annotations

from sqlalchemy import select

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.audit.models import AuditEntry
from tests.admin.conftest import admin_client, admin_user, client, fetch, flashed  # noqa: F401  (fixtures)
from tests.admin.conftest import seed as arrange
from tests.privacy.seed import EMAIL, seed


def test_admin_erases_a_client_and_the_log_names_the_admin(admin_client, admin_user):
    data = arrange(seed)
    response = admin_client.get(f"/admin/app-user/action/erase-personal-data?pks={data.user_id}")
    assert any("1 accounts erased" in m for m in flashed(response.text)), flashed(response.text)
    user = fetch(AppUser, data.user_id)
    assert user.email != EMAIL and not user.is_active and user.first_name == ""
    erased = arrange(lambda db: db.scalars(select(AuditEntry).where(
        AuditEntry.action == "personal_data_erased", AuditEntry.store_id.is_(None))).one())
    assert erased.actor_user_id == admin_user.id and erased.after["by"] == "admin"
    assert EMAIL not in str(erased.after)
    # A manager account is refused: staff are not erased this way.
    again = admin_client.get(f"/admin/app-user/action/erase-personal-data?pks={data.shop_a.manager.id}")
    assert any("client accounts" in m for m in flashed(again.text)), flashed(again.text)
