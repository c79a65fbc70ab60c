"""Notifications (/manage/notifications, "Messages" in the navigation): compose, history, templates."""
