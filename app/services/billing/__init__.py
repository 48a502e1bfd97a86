"""Billing on the desktop: the Studio API's billing routes (``api``), the place's flows (``controller``) and
the CSV export of the ledger (``export``)."""
