"""Outbound webhooks: events of a store sent, signed, to the URLs its manager registered."""
