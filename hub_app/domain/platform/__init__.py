"""Platform administration: work only an admin does (onboarding, plans, deletes, dashboard)."""
