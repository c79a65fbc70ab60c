"""Every admin view in menu order."""

from admin.views.accounts import StoreClientAdmin, UserAdmin
from admin.views.analytics import AnalyticsView
from admin.views.billing import PaymentAdmin, ServiceSubscriptionAdmin, SubscriptionAdmin, SubscriptionPlanAdmin
from admin.views.bookings import BookingAdmin
from admin.views.calendar_sync import (
    CalendarConnectionAdmin, CalendarFeedAdmin, CalendarSyncConflictAdmin, CalendarSyncEventAdmin,
    CalendarSyncItemAdmin, CalendarSyncSourceAdmin,
)
from admin.views.integrations import (
    AuditEntryAdmin, CalendlyConnectionAdmin, CalendlyEventTypeLinkAdmin, WebhookEventAdmin,
)
from admin.views.notifications import NotificationAdmin, NotificationTemplateAdmin
from admin.views.onboarding import OnboardingView
from admin.views.outbound_webhooks import ApiKeyAdmin, WebhookAttemptAdmin, WebhookDeliveryAdmin, WebhookEndpointAdmin
from admin.views.plan_standing import SmsUsageAdmin
from admin.views.scheduling import (
    BlockedPeriodAdmin, CalendarAdmin, CalendarServiceAdmin, CalendarSlotAdmin, DateOverrideAdmin,
    ExternalBusyTimeAdmin, OpeningRuleAdmin, ServiceAdmin,
)
from admin.views.stores import StoreAdmin, StorePhotoAdmin
from admin.views.trusted_networks import TrustedNetworkAdmin

ALL_VIEWS = [
    StoreAdmin, OnboardingView, AnalyticsView, StorePhotoAdmin,
    UserAdmin, StoreClientAdmin, TrustedNetworkAdmin,
    ServiceAdmin, CalendarAdmin, CalendarServiceAdmin, OpeningRuleAdmin, DateOverrideAdmin, BlockedPeriodAdmin,
    CalendarSlotAdmin, ExternalBusyTimeAdmin,
    BookingAdmin, PaymentAdmin,
    SubscriptionPlanAdmin, SubscriptionAdmin, ServiceSubscriptionAdmin, SmsUsageAdmin,
    NotificationAdmin, NotificationTemplateAdmin,
    WebhookEventAdmin, CalendlyConnectionAdmin, CalendlyEventTypeLinkAdmin,
    CalendarConnectionAdmin, CalendarSyncSourceAdmin, CalendarSyncItemAdmin, CalendarSyncEventAdmin,
    CalendarSyncConflictAdmin, CalendarFeedAdmin,
    ApiKeyAdmin, WebhookEndpointAdmin, WebhookDeliveryAdmin, WebhookAttemptAdmin,
    AuditEntryAdmin,
]
