"""Password hashes: argon2id at no less than OWASP's guidance, older parameters still accepted."""

from __future__ import annotations

from argon2 import PasswordHasher, Type, extract_parameters

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.accounts.service import authenticate, hash_password, verify_password
from tests.factories import make_client

# OWASP Password Storage Cheat Sheet, argon2id: equivalent minimum configurations (memory KiB, passes).
OWASP_MINIMUMS = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)]


def test_new_hashes_are_argon2id_at_least_as_strong_as_owasp_asks():
    params = extract_parameters(hash_password("a-long-secret-9"))
    assert params.type is Type.ID
    assert params.parallelism >= 1
    assert any(params.memory_cost >= memory and params.time_cost >= passes for memory, passes in OWASP_MINIMUMS)


def test_hashes_made_with_the_library_defaults_still_verify():
    old = PasswordHasher().hash("a-long-secret-9")
    assert verify_password(old, "a-long-secret-9")
    assert not verify_password(old, "another-secret")


def test_sign_in_rehashes_a_hash_with_other_parameters(db):
    client = make_client(db)
    client.password_hash = PasswordHasher().hash("a-long-secret-9")
    db.flush()
    authenticate(db, client.email, "a-long-secret-9")
    stored = db.get(AppUser, client.id).password_hash
    assert extract_parameters(stored) == extract_parameters(hash_password("x"))
    assert verify_password(stored, "a-long-secret-9")
