"""Emails to a store's manager about the store's own account (plan lapses, SMS allowance).

They go through the outbox like every message, as ACCOUNT emails, once per dedupe key.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind
from hub_app.domain.notifications.outbox import add_once, message_locale
from hub_app.domain.stores.models import Store
from hub_app.i18n import t


def notify_manager(db: Session, store: Store, dedupe_key: str, step: str, **params: object) -> Notification | None:
    """Queue the `<step>_subject` / `<step>_body` email to the store's manager, once per key;
    None when there is nobody to tell or the key was used already."""
    manager = db.get(AppUser, store.manager_user_id) if store.manager_user_id else None
    if manager is None or not manager.email:
        return None
    locale = message_locale(manager, store)
    values = {key: value(locale) if callable(value) else value for key, value in params.items()}
    return add_once(db, Notification(
        store_id=store.id, recipient_user_id=manager.id, type=Channel.EMAIL, kind=NotificationKind.ACCOUNT,
        subject=t(f"{step}_subject", locale, store=store.name, **values),
        body=t(f"{step}_body", locale, store=store.name, **values),
        to_address=manager.email, dedupe_key=dedupe_key))
