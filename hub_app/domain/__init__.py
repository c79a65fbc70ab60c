"""The domain layer: all business rules of Appointment Hub.

Plain Python over SQLModel tables. It never imports Reflex, FastAPI, SQLAdmin or Dramatiq, so the
pages, the REST API, the admin panel and the workers all share it as thin adapters.
"""
