"""Every table, imported in one place so SQLModel.metadata (and Alembic) see the whole schema."""

from sqlmodel import SQLModel

from hub_app.domain.accounts.models import AppUser, AuthSession, LoginFailure, UserRole
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
from hub_app.domain.notifications.models import (
    Channel, Notification, NotificationKind, NotificationStatus, NotificationTemplate,
)
from hub_app.domain.platform.trusted_networks import TrustedNetwork
from hub_app.domain.reporting.models import BookingDayStats, BookingMadeDayStats, PaymentDayStats
from hub_app.domain.scheduling.models import (
    AdvancePaymentType, BlockedPeriod, Calendar, CalendarService, CalendarSlot, DateOverride,
    ExternalBusyTime, OpeningRule, PriceType, RecurringInterval, Service,
)
from hub_app.domain.stores.models import Store, StorePhoto, StoreSlugRedirect

metadata = SQLModel.metadata


def tenant_models() -> list[type]:
    """The tables that belong to one store; scoping and row-level security cover exactly these."""
    return sorted(
        (m.class_ for m in SQLModel._sa_registry.mappers if issubclass(m.class_, TenantScoped)),
        key=lambda cls: cls.__tablename__,
    )


__all__ = [name for name in dir() if not name.startswith("_")]
