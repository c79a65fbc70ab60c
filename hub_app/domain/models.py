"""Every table, imported in one place so SQLModel.metadata (and Alembic) see the whole schema."""

from sqlmodel import SQLModel

from hub_app.domain.accounts.models import AppUser, AuthSession, LoginFailure, UserRole
from hub_app.domain.api_keys.models import ApiKey, ApiKeyScope
from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.base import TenantScoped
from hub_app.domain.billing.models import (
    Payment, PaymentKind, PaymentRecordStatus, PlanInterval, ServiceSubscription, SmsOverage, SmsUsage,
    Subscription, SubscriptionPlan, SubscriptionStatus,
)
from hub_app.domain.bookings.models import Booking, BookingSource, BookingStatus, PaymentStatus
from hub_app.domain.calendar_sync.models import (
    CalendarConnection, CalendarFeed, CalendarSyncConflict, CalendarSyncEvent, CalendarSyncItem,
    CalendarSyncSource, ConnectionKind, ConnectionState,
)
from hub_app.domain.clients.models import StoreClient, StoreClientStatus
from hub_app.domain.integrations.models import (
    CalendlyConnection, CalendlyConnectionState, CalendlyEventTypeLink, InboxStatus, WebhookEvent,
)
from hub_app.domain.outbound_webhooks.models import (
    DeliveryStatus, EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint,
)
from hub_app.domain.notifications.models import (
    Channel, Notification, NotificationKind, NotificationStatus, NotificationTemplate,
)
from hub_app.domain.platform.models import TrustedNetwork
from hub_app.domain.reporting.models import BookingDayStats, BookingMadeDayStats, ClientStoreStats, PaymentDayStats
from hub_app.domain.scheduling.models import (
    AdvancePaymentType, BlockedPeriod, Calendar, CalendarService, CalendarSlot, DateOverride,
    ExternalBusyTime, OpeningRule, PriceType, RecurringInterval, Service,
)
from hub_app.domain.stores.models import Store, StorePhoto, StoreSlugRedirect

metadata = SQLModel.metadata

# Trigram indexes for searching inside names and addresses (migration 0018): PostgreSQL only,
# so the models do not declare them and schema comparisons leave them out.
POSTGRES_ONLY_INDEXES = frozenset({"ix_app_user_name_trgm", "ix_app_user_email_trgm"})


def compared_in_schema_checks(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's `include_object`: everything but the PostgreSQL-only indexes."""
    return not (type_ == "index" and name in POSTGRES_ONLY_INDEXES)


def tenant_models() -> list[type]:
    """The tables that belong to one store; scoping and row-level security cover exactly these."""
    return sorted(
        (m.class_ for m in SQLModel._sa_registry.mappers if issubclass(m.class_, TenantScoped)),
        key=lambda cls: cls.__tablename__,
    )


__all__ = [name for name in dir() if not name.startswith("_")]
