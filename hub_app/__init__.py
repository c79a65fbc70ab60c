"""Appointment Hub: multi-tenant appointment booking (Reflex app package)."""
