"""Accounts and sign-in: the account, its plan, the session a sign-in answers, and ``/v1/me``."""

from __future__ import annotations

from datetime import datetime

from modal_app.contract.base import Answer


class Account(Answer):
    id: str
    email: str
    plan: str
    local: bool
    created_at: datetime


class Plan(Answer):
    id: str
    name: str
    price_usd_month: int
    max_models: int
    priority: bool
    api_access: bool
    monthly_credits: int  # credits granted with each paid monthly invoice


class Session(Answer):
    """The answer to sign-up and sign-in: the account and its new bearer token."""

    account: Account
    token: str


class Me(Answer):
    account: Account
    plan: Plan
    billing_enabled: bool
