"""Bookings: read, annotate, and move through the lifecycle (never edited field by field)."""

from __future__ import annotations

from sqladmin import Flash, action, expose
from sqladmin.filters import BooleanFilter, StaticValuesFilter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin.i18n import column_labels, label, text
from admin.views.base import MENU_BOOKINGS, HubModelView, run_domain
from admin.views.common import selected_pks
from hub_app.domain.bookings.models import Booking, BookingSource, BookingStatus, PaymentStatus
from hub_app.domain.errors import DomainError
from hub_app.domain.bookings.administration import ADMIN_TARGET_STATUSES, change_booking_status


class BookingAdmin(HubModelView, model=Booking):
    name = label("view.booking", "Booking")
    name_plural = label("view.bookings", "Bookings")
    icon = "fa-solid fa-calendar-check"
    category = MENU_BOOKINGS
    # Bookings are made by clients and managers through the booking flow (slots, holds, payment),
    # and they are history: never created or deleted here.
    can_create = False
    can_delete = False
    column_list = ["id", "store_id", "client_user_id", "service_id", "calendar_id", "staff_requested", "start_at",
                   "status", "payment_status", "total_amount", "currency", "source"]
    column_searchable_list = ["notes", "cancel_reason", "idempotency_key"]
    column_sortable_list = ["id", "store_id", "start_at", "status", "total_amount", "created_at"]
    column_default_sort = ("start_at", True)
    column_filters = [
        StaticValuesFilter(Booking.status, [(s.value, s.value) for s in BookingStatus]),
        StaticValuesFilter(Booking.payment_status, [(s.value, s.value) for s in PaymentStatus]),
        StaticValuesFilter(Booking.source, [(s.value, s.value) for s in BookingSource]),
        BooleanFilter(Booking.staff_requested),
    ]
    column_labels = column_labels("store_id", "client_user_id", "service_id", "calendar_id", "start_at", "end_at",
                                  "status", "payment_status", "total_amount", "currency", "source", "notes",
                                  "staff_requested")
    # Only the internal note is edited directly; the status goes through "Change status".
    form_columns = ["notes"]

    @action(name="change-status", label=label("action.change_status", "Change status"), add_in_list=False)
    async def change_status_action(self, request: Request) -> Response:
        pks = selected_pks(request)
        url = request.url_for("admin:view-booking-change_status_page").include_query_params(pk=pks[0] if pks else "")
        return RedirectResponse(url, status_code=302)

    @expose("/change-status", methods=["GET", "POST"])
    async def change_status_page(self, request: Request) -> Response:
        pk = request.query_params.get("pk", "")
        error = None
        if request.method == "POST":
            form = await request.form()
            try:
                await run_domain(request, change_booking_status, self._pk(pk), str(form.get("status") or ""),
                                 str(form.get("reason") or ""))
            except (DomainError, ValueError) as exc:
                error = getattr(exc, "message", None) or text("invalid_status")
            else:
                Flash.success(request, text("done.status_changed", count=1))
                return RedirectResponse(request.url_for("admin:details", identity=self.identity, pk=pk), status_code=302)
        booking = await self.get_object_for_edit_by_pk(pk)
        if booking is None:
            return Response(status_code=404)
        return await self.templates.TemplateResponse(request, "hub_admin/booking_status.html", {
            "model_view": self, "booking": booking, "statuses": [s for s in ADMIN_TARGET_STATUSES if s != booking.status],
            "error": error, "title": text("change_status_title", id=booking.id),
        }, status_code=400 if error else 200)

    async def get_object_for_edit_by_pk(self, pk: str):
        if not pk.isdigit():
            return None
        return await self._get_object_by_pk(self._stmt_by_identifier(pk))
