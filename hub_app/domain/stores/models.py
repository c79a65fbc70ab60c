"""Stores (the tenants), their photos and old slugs that still redirect."""

from __future__ import annotations

from sqlmodel import Field
import sqlalchemy as sa

from hub_app.domain.base import TenantScoped, Timestamped, store_fk


class Store(Timestamped, table=True):
    """A business. Its slug is its public address: /<slug>.

    Not row-level-secured itself: a store's public page is readable by anyone. Its secrets live in
    tenant tables (integrations.CalendlyConnection) that are.
    """

    __tablename__ = "store"
    __table_args__ = (
        sa.CheckConstraint("cancellation_cutoff_hours >= 0", name="ck_store_cutoff"),
        sa.CheckConstraint("min_notice_minutes >= 0", name="ck_store_min_notice"),
        sa.CheckConstraint("booking_horizon_days > 0", name="ck_store_horizon"),
        sa.CheckConstraint("payment_hold_minutes > 0", name="ck_store_hold"),
        sa.CheckConstraint("length(currency) = 3", name="ck_store_currency"),
        sa.CheckConstraint("embed_accent_color IS NULL OR length(embed_accent_color) = 7",
                           name="ck_store_embed_accent_color"),
        sa.CheckConstraint("anyone_rule IN ('least_busy', 'round_robin', 'priority')", name="ck_store_anyone_rule"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, nullable=False)
    slug: str = Field(max_length=80, sa_column_kwargs={"unique": True, "nullable": False})
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    country: str | None = Field(default=None, max_length=2)  # ISO 3166-1 alpha-2
    phone_number: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    description: str | None = Field(default=None, sa_type=sa.Text)
    timezone: str = Field(default="Europe/Athens", max_length=64, nullable=False)
    locale: str = Field(default="en", max_length=10, nullable=False)
    currency: str = Field(default="EUR", max_length=3, nullable=False)
    # The primary manager (a store may have more through app_user.store_id). Nullable because the
    # store and its manager reference each other and are created in one transaction.
    manager_user_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer,
            # use_alter: the two tables point at each other; the FK is added after both exist.
            sa.ForeignKey("app_user.id", ondelete="SET NULL", use_alter=True),
            unique=True,
        ),
    )
    stripe_enabled: bool = Field(default=False, nullable=False)
    stripe_account_id: str | None = Field(default=None, max_length=64)
    stripe_onboarding_state: str = Field(default="not_started", max_length=20, nullable=False)
    current_subscription_plan_id: int | None = Field(
        default=None, foreign_key="subscription_plan.id", ondelete="SET NULL"
    )
    # Booking policy.
    cancellation_cutoff_hours: int = Field(default=24, nullable=False)
    min_notice_minutes: int = Field(default=60, nullable=False)
    booking_horizon_days: int = Field(default=60, nullable=False)
    payment_hold_minutes: int = Field(default=15, nullable=False)
    reminder_hours_before: int = Field(default=24, nullable=False)
    is_active: bool = Field(default=True, nullable=False)
    # Who takes a booking made for "anyone" (hub_app.domain.bookings.assignment.AnyoneRule).
    anyone_rule: str = Field(default="least_busy", max_length=20, nullable=False,
                             sa_column_kwargs={"server_default": "least_busy"})
    # Embedding the booking flow on the store's own website (hub_app/domain/embedding): the origins
    # ("https://salon.example") that may frame /embed/<slug> and call its public booking endpoints
    # from the browser, and the accent colour ("#0d7a6f") of the button and the wizard there.
    embed_domains: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(sa.JSON, nullable=False, server_default="[]"),
    )
    embed_accent_color: str | None = Field(default=None, max_length=7)


class StoreSlugRedirect(Timestamped, table=True):
    """An old slug of a store, kept so shared links keep working after a rename."""

    __tablename__ = "store_slug_redirect"

    id: int | None = Field(default=None, primary_key=True)
    old_slug: str = Field(max_length=80, sa_column_kwargs={"unique": True, "nullable": False})
    store_id: int = Field(foreign_key="store.id", ondelete="CASCADE", index=True)


class StorePhoto(TenantScoped, Timestamped, table=True):
    """A photo of a store (the spec's photos_url, as rows so they can be ordered and deleted)."""

    __tablename__ = "store_photo"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    path: str = Field(max_length=300, nullable=False)
    thumbnail_path: str | None = Field(default=None, max_length=300)
    content_type: str = Field(default="image/jpeg", max_length=40, nullable=False)
    position: int = Field(default=0, nullable=False)
    caption: str | None = Field(default=None, max_length=200)
