"""The Billing place: ``page.BillingPage`` binds to ``services.billing.controller.BillingController``."""
