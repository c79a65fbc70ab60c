"""The admin's calendar connections: listed with their status, the app password never rendered."""

from __future__ import annotations

from hub_app.domain.calendar_sync.models import CalendarConnection, ConnectionState
from hub_app.domain.scheduling.models import Calendar
from hub_app.domain.secrets import encrypt_secret
from tests.admin.conftest import seed

PASSWORD = "app-password-never-shown"


def test_connections_show_their_status_and_never_the_password(admin_client, shop):
    store, _, _ = shop

    def arrange(db):
        calendar = Calendar(store_id=store.id, name="Chair")
        db.add(calendar)
        db.flush()
        connection = CalendarConnection(store_id=store.id, calendar_id=calendar.id, server_url="https://dav.example.com/",
                                        username="maria", password_encrypted=encrypt_secret(PASSWORD),
                                        state=ConnectionState.ERROR, failures=3,
                                        last_error="Reading the calendar: the server is unavailable (503)")
        db.add(connection)
        db.flush()
        return connection.id, connection.password_encrypted

    connection_id, ciphertext = seed(arrange)
    listing = admin_client.get("/admin/calendar-connection/list").text
    details = admin_client.get(f"/admin/calendar-connection/details/{connection_id}").text
    assert "the server is unavailable (503)" in listing and "error" in listing
    assert "•••• set" in details
    for html in (listing, details):
        assert PASSWORD not in html and ciphertext not in html
