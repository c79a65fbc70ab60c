"""Delivery reports from EasySMS: mark a sent SMS delivered or failed.

EasySMS calls our callback URL with `msgid` (its message id) and `status`: `d`/`2` delivered,
`f`/`3` failed, `s`/`1` sent (no change). Reports can repeat or arrive out of order, so a
final state is never downgraded.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.notifications.models import Channel, Notification, NotificationStatus
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

PROVIDER = "easysms"  # the provider name of these reports in the webhook inbox
DELIVERED_CODES = frozenset({"d", "2", "delivered"})
FAILED_CODES = frozenset({"f", "3", "failed"})
SENT_CODES = frozenset({"s", "1", "sent"})


def apply_delivery_report(db: Session, ctx: TenantContext, msgid: str, status: str) -> Notification | None:
    """Apply one report; None when the message id is not one of ours (ignored)."""
    row = db.scalar(select(Notification).where(
        Notification.external_message_id == str(msgid), Notification.type == Channel.SMS))
    if row is None:
        return None
    code = (status or "").strip().lower()
    if code in DELIVERED_CODES:
        if row.status != NotificationStatus.READ:
            row.status = NotificationStatus.DELIVERED
            row.delivered_at = row.delivered_at or utcnow()
            row.last_error = None
    elif code in FAILED_CODES:
        if row.status not in (NotificationStatus.DELIVERED, NotificationStatus.READ):
            row.status = NotificationStatus.FAILED
            row.last_error = "EasySMS delivery report: not delivered to the phone"
    elif code not in SENT_CODES:
        row.last_error = f"EasySMS delivery report with unknown status {code[:20]!r}"
    return row
