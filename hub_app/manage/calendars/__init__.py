"""Calendars (/manage/calendars): hours, overrides, blocked time, extra slots, CalDAV and iCalendar sync."""
