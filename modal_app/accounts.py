"""Accounts and bearer tokens: argon2 password hashes, opaque tokens stored as HMAC-SHA256 digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from modal_app.store.db import Store
from modal_app.store.models import Account, ApiToken, utcnow

TOKEN_PREFIX = "amt_"
LOCAL_EMAIL = "local@amethyst.local"


_AUTHENTICATE = select(ApiToken.id, ApiToken.account_id).where(
    ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None)
)


class AccountError(Exception):
    """Sign-up or sign-in refused; the message is safe to show."""


class EmailTaken(AccountError):
    pass


@dataclass(frozen=True)
class AuthContext:
    account_id: str
    token_id: str


@dataclass(frozen=True)
class TokenInfo:
    id: str
    label: str
    created_at: datetime


class Accounts:
    def __init__(self, store: Store, token_secret: str = "") -> None:
        self._store = store
        self._key = token_secret.encode()
        # Moderate cost: sign-in stays well under a second on a small server.
        self._hasher = PasswordHasher(time_cost=2, memory_cost=32 * 1024, parallelism=1)

    def token_digest(self, token: str) -> str:
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()

    def sign_up(self, email: str, password: str, plan: str = "free") -> Account:
        email = normalize_email(email)
        account = Account(email=email, password_hash=self._hasher.hash(password), plan=plan, local=False)
        try:
            with self._store.writes.begin() as session:
                session.add(account)
        except IntegrityError as error:
            raise EmailTaken("an account with this email already exists") from error
        return account

    def verify_password(self, email: str, password: str) -> Account:
        with self._store.reads() as session:
            account = session.scalar(select(Account).where(Account.email == normalize_email(email)))
        if account is None or account.password_hash is None:
            # Spend the same effort as a real check so timing does not reveal which emails exist.
            self._hasher.hash(password)
            raise AccountError("wrong email or password")
        try:
            self._hasher.verify(account.password_hash, password)
        except (VerificationError, InvalidHashError) as error:
            raise AccountError("wrong email or password") from error
        return account

    def issue_token(self, account_id: str, label: str = "") -> tuple[str, str]:
        """A new token for the account: (token shown once, token id)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(account_id=account_id, token_hash=self.token_digest(token), label=label[:100])
        with self._store.writes.begin() as session:
            session.add(row)
        return token, row.id

    def authenticate(self, token: str) -> AuthContext | None:
        with self._store.engine.connect() as connection:
            row = connection.execute(_AUTHENTICATE, {"digest": self.token_digest(token)}).first()
        return None if row is None else AuthContext(account_id=row.account_id, token_id=row.id)

    def tokens(self, account_id: str) -> list[TokenInfo]:
        with self._store.reads() as session:
            rows = session.scalars(
                select(ApiToken)
                .where(ApiToken.account_id == account_id, ApiToken.revoked_at.is_(None))
                .order_by(ApiToken.created_at)
            ).all()
        return [TokenInfo(id=row.id, label=row.label, created_at=row.created_at) for row in rows]

    def revoke(self, account_id: str, token_id: str) -> bool:
        with self._store.writes.begin() as session:
            row = session.get(ApiToken, token_id)
            if row is None or row.account_id != account_id or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
        return True

    def get(self, account_id: str) -> Account | None:
        with self._store.reads() as session:
            return session.get(Account, account_id)

    def find_by_email(self, email: str) -> Account | None:
        with self._store.reads() as session:
            return session.scalar(select(Account).where(Account.email == normalize_email(email)))

    def ensure_local_account(self) -> Account:
        """The single password-less account of a local server, created on first start."""
        existing = self.find_by_email(LOCAL_EMAIL)
        if existing is not None:
            return existing
        try:
            with self._store.writes.begin() as session:
                account = Account(email=LOCAL_EMAIL, password_hash=None, plan="free", local=True)
                session.add(account)
            return account
        except IntegrityError:
            found = self.find_by_email(LOCAL_EMAIL)
            assert found is not None
            return found


def normalize_email(email: str) -> str:
    return email.strip().lower()
