"""Short-lived signed links that download a CSV export over plain HTTP, streamed page by page.

The dashboard talks over a websocket: an export sent through it is built whole in the server's
memory and then sent as one message. Instead the page checks the export (its period and size),
then gets a link signed with the app secret naming the user, the store, the export and its
filters, valid for LINK_SECONDS. `GET /exports/<token>` checks the signature, reads the user again
(still active, still allowed in that store) and streams the rows (`bookings_csv_chunks`,
`clients_csv_chunks`: one page of rows in memory at a time).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.bookings.listing import BookingFilters
from hub_app.domain.errors import NotFound
from hub_app.domain.reporting.exports import (
    bookings_csv_chunks, check_bookings_export, clients_csv_chunks,
)
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t
from hub_app.settings import get_settings

LINK_SECONDS = 120  # long enough for a slow click, short enough that a copied link soon dies
_SALT = "hub.csv-export"
KINDS = ("bookings", "clients")


@dataclass(frozen=True)
class ExportLink:
    """What a valid link asks for."""

    kind: str
    user_id: int
    store_id: int
    locale: str
    params: dict

    @property
    def filename(self) -> str:
        return f"{self.kind}.csv"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().hub_secret_key, salt=_SALT)


def _filters_params(filters: BookingFilters) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(filters).items() if v is not None}


def _filters_of(params: dict) -> BookingFilters:
    values = dict(params)
    for name in ("date_from", "date_to"):
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return BookingFilters(**values)


def bookings_export_link(db: Session, ctx: TenantContext, filters: BookingFilters) -> str:
    """The path that downloads these bookings, after the same checks the download makes
    (a refused period or size raises ValidationFailed here, next to the filters)."""
    check_bookings_export(db, ctx, filters)
    return _path(ctx, "bookings", _filters_params(filters))


def clients_export_link(db: Session, ctx: TenantContext, search: str | None) -> str:
    """The path that downloads the store's clients (matching `search` when given)."""
    # Reading the first chunk checks the right to see clients and that the store is open to ctx.
    next(clients_csv_chunks(db, ctx, search))
    return _path(ctx, "clients", {"search": search} if search else {})


def _path(ctx: TenantContext, kind: str, params: dict) -> str:
    token = _serializer().dumps({"k": kind, "u": ctx.user_id, "s": ctx.store_id, "l": ctx.locale, "p": params})
    return f"/exports/{token}"


def read_export_link(token: str) -> ExportLink:
    """The link's request; NotFound (with no detail) for a bad, altered or expired token."""
    try:
        data = _serializer().loads(token, max_age=LINK_SECONDS)
        link = ExportLink(kind=data["k"], user_id=int(data["u"]), store_id=int(data["s"]), locale=str(data["l"]),
                          params=dict(data["p"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(t("api.not_found", "en")) from None
    if link.kind not in KINDS:
        raise NotFound(t("api.not_found", link.locale))
    return link


def export_context(db: Session, link: ExportLink) -> TenantContext:
    """The link's user in the link's store, read now: a user deactivated or moved since the link
    was made, or a client, gets NotFound. Run in a system unit of work."""
    user = db.get(AppUser, link.user_id)
    allowed = user is not None and user.is_active and (
        user.role == UserRole.ADMIN or (user.role == UserRole.STORE_MANAGER and user.store_id == link.store_id))
    if not allowed:
        raise NotFound(t("api.not_found", link.locale))
    return replace(TenantContext.for_user(user, link.store_id), locale=link.locale)


def check_export(db: Session, ctx: TenantContext, link: ExportLink) -> None:
    """The checks the export makes before its first byte (the answer's status is still free)."""
    if link.kind == "bookings":
        check_bookings_export(db, ctx, _filters_of(link.params))
    else:
        next(clients_csv_chunks(db, ctx, link.params.get("search")))


def export_chunks(db: Session, ctx: TenantContext, link: ExportLink) -> Iterator[str]:
    """The CSV text in chunks of one page of rows each."""
    if link.kind == "bookings":
        return bookings_csv_chunks(db, ctx, _filters_of(link.params))
    return clients_csv_chunks(db, ctx, link.params.get("search"))
