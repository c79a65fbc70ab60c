"""Integrations (/manage/integrations): Calendly, Stripe payments, API keys and outbound webhooks."""
