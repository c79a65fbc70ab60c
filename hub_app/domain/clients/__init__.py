"""Who is a client of which store: consent links, invitations and unclaimed Calendly records."""
