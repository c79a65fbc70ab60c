"""Every link from a table to a person is known to export and erasure: a new table with a user id
that the privacy inventory does not list fails here until someone decides what happens to it."""

from __future__ import annotations

from sqlmodel import SQLModel

import hub_app.domain.models  # noqa: F401  (every table registered)
from hub_app.domain.privacy.inventory import ACTOR, BY_VALUE, SUBJECT, covered_links

PERSONAL_COLUMN_NAMES = {"email", "phone_number", "first_name", "last_name", "address", "to_address"}
# A store's own contact details are business data, not a person's.
BUSINESS_COLUMNS = {("store", "email"), ("store", "phone_number"), ("store", "address")}


def test_every_link_to_a_person_is_in_the_inventory():
    links = {(table.name, column.name)
             for table in SQLModel.metadata.tables.values() for column in table.columns
             if any(fk.target_fullname == "app_user.id" for fk in column.foreign_keys)}
    assert links - covered_links() == set(), "add these columns to hub_app/domain/privacy/inventory.py"
    assert covered_links() - links == set(), "the inventory lists columns that no longer exist"


def test_every_column_named_like_personal_data_is_known():
    found = {(table.name, column.name) for table in SQLModel.metadata.tables.values()
             for column in table.columns if column.name in PERSONAL_COLUMN_NAMES}
    known = {("app_user", c) for c in PERSONAL_COLUMN_NAMES} | set(BY_VALUE) | BUSINESS_COLUMNS | {
        ("store_client", c) for c in PERSONAL_COLUMN_NAMES} | {("notification", "to_address")}
    assert found - known == set(), "say in the privacy inventory how these are exported and erased"


def test_subject_and_actor_do_not_overlap():
    assert not set(SUBJECT) & set(ACTOR)
