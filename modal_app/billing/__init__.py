"""Billing: Stripe Checkout and Customer Portal sessions, signed webhooks applied once, plans and debt.

``tables`` (ORM rows), ``gateway`` (the ``stripe`` SDK calls), ``webhooks`` (verifying and applying events,
each in one transaction with its event-id row) and ``service`` (what the routes read).
"""
