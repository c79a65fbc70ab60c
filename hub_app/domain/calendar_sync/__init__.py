"""Calendars outside the hub: CalDAV two-way sync, ICS URL import, ICS subscription feeds.

- `client.py`: the interface a CalDAV server is reached through, returning this package's types
  (`caldav_client.py` implements it on the `caldav` package).
- `ics.py`: reading remote events into busy intervals (RRULE/EXDATE, VTIMEZONE, all-day) and
  writing the hub's own events.
- `inbound.py` / `outbound.py`: remote events → busy time; bookings → one remote event each.
- `service.py`: what a manager does (connect, test, choose calendars, see status and conflicts).
- `feeds.py`: secret, revocable .ics subscription URLs; `ics_import.py`: reading an .ics URL.
- `jobs.py`: units of background work by id, for the Dramatiq actors in workers/.
"""
