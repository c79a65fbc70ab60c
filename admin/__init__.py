"""The admin panel (SQLAdmin) mounted at /admin: see admin.setup.mount_admin."""
