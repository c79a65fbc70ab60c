"""Encryption of provider secrets at rest (Calendly tokens, webhook signing keys).

Fernet with HUB_ENCRYPTION_KEY, or a key derived from HUB_SECRET_KEY when that is unset. Secrets
are write-only everywhere in the product: they are decrypted only where a provider call needs them.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from hub_app.settings import get_settings


@lru_cache(maxsize=4)
def _fernet(key_material: str) -> Fernet:
    try:
        return Fernet(key_material.encode())
    except ValueError:
        # Not a Fernet key: derive one, so any long random string works as the setting.
        derived = base64.urlsafe_b64encode(hashlib.sha256(key_material.encode()).digest())
        return Fernet(derived)


def _current() -> Fernet:
    settings = get_settings()
    return _fernet(settings.hub_encryption_key or settings.hub_secret_key)


def encrypt_secret(plain: str) -> str:
    return _current().encrypt(plain.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("stored secret cannot be decrypted with the current key") from exc


def mask(value: str | None) -> str:
    """What a page may show of a secret: whether one is set, never any of it."""
    return "•••• set" if value else "not set"
