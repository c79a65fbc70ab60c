"""Calendly API v2 sync: connection, webhooks, bookings and busy time from Calendly events."""
