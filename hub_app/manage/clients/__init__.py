"""Clients (/manage/clients): list and search, a client's card, messages, invitations, privacy requests."""
