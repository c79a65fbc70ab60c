"""Overview (/manage): today's and upcoming bookings and a period's figures."""
