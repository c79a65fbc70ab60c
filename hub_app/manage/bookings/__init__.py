"""Bookings (/manage/bookings): calendar and list, a booking's actions and refunds, phone booking."""
