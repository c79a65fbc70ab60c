"""Where the hub keeps data about a person, and what export and erasure do with each place.

Every column that points at `app_user.id` is listed once, as either:

- SUBJECT: the row is about the person (their booking, payment, message, session...). It is
  exported, and erasure anonymises or removes it.
- ACTOR: the row records that a staff member or the person did something (who cancelled a
  booking, who invited a client). Those rows are about something else; they keep the id, which
  after an erasure names an anonymised record.

Columns that hold a person's details without a link (an address a store typed for an invitation,
a failed sign-in's email, a webhook's payload) are listed in BY_VALUE: they are found by the
person's email and handled the same way. `tests/privacy/test_inventory.py` fails when a table
gains a link to `app_user` that is not listed here, so a new table cannot be forgotten.
"""

from __future__ import annotations

SUBJECT = {
    ("auth_session", "user_id"): "sessions: exported, deleted on erasure",
    ("booking", "client_user_id"): "bookings: exported, kept for the store with notes removed",
    ("payment", "user_id"): "payments: exported, kept (amounts, dates, Stripe ids) without personal fields",
    ("service_subscription", "client_user_id"): "subscriptions: exported, cancelled before erasure",
    ("notification", "recipient_user_id"): "messages: exported, address and text removed on erasure",
    ("store_client", "user_id"): "store links and invitations: exported, removed on erasure",
}

ACTOR = {
    ("audit_log", "actor_user_id"): "who made a change",
    ("blocked_period", "created_by_user_id"): "the staff member who blocked time",
    ("api_key", "created_by_user_id"): "the staff member who made an API key",
    # Counts derived from the bookings by triggers: they follow the bookings' client (an erasure
    # that moves a store's bookings to an anonymous record moves these counts with them).
    ("client_store_stats", "client_user_id"): "a rollup of a client's bookings at a store",
    ("webhook_endpoint", "created_by_user_id"): "the staff member who registered a webhook endpoint",
    ("booking", "cancelled_by_user_id"): "who cancelled a booking",
    ("store", "manager_user_id"): "a store's primary manager",
    ("store_client", "invited_by_user_id"): "the staff member who sent an invitation",
}

BY_VALUE = {
    ("login_failure", "email"): "failed sign-ins: exported, deleted on erasure",
    ("store_client", "email"): "invitations to the address: exported, removed on erasure",
    ("webhook_event", "payload"): "Calendly/Stripe deliveries naming the person: listed, redacted on erasure",
    ("calendar_sync_event", "summary"): "outside-calendar copies of their bookings: redacted on erasure",
    ("calendar_sync_conflict", "summary"): "overlaps found on their bookings: redacted on erasure",
    ("audit_log", "before"): "change records of their rows: values redacted on erasure",
    ("audit_log", "after"): "change records of their rows: values redacted on erasure",
}


def covered_links() -> set[tuple[str, str]]:
    return set(SUBJECT) | set(ACTOR)
