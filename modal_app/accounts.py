"""Accounts and bearer tokens: argon2 password hashes, opaque tokens stored as HMAC-SHA256 digests.

Tokens have a sliding lifetime: one unused for ``token_lifetime`` seconds is refused and later revoked by
``expire_tokens``. Uses are noted in memory on the request path (no write per request) and written in one
batch by ``flush_token_use``, which the server's sweep calls every few seconds. The local account (the one
a local server makes for its desktop, marked ``local`` in the database) has no password and its tokens do
not expire; no sign-up can become it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Table, and_, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from modal_app.hashing import PasswordHashing
from modal_app.passwords import password_problem
from modal_app.store.db import Store
from modal_app.store.models import Account, ApiToken, new_id, utcnow

log = logging.getLogger(__name__)

TOKEN_PREFIX = "amt_"
LOCAL_DOMAIN = "amethyst.local"
LOCAL_EMAIL = f"local@{LOCAL_DOMAIN}"
LOCAL_TOKEN_LABEL = "local desktop"

# The columns every authenticated request reads of its token, under names no other table's columns have (the
# job-status read joins them with the job: both tables have id, account_id and created_at). ``accept`` reads
# a row of them; ``TOKEN_JOIN`` and ``TOKEN_MATCH`` are the FROM and WHERE that find an unrevoked token.
TOKEN_COLUMNS = (
    ApiToken.id.label("token_id"),
    ApiToken.account_id.label("token_account_id"),
    ApiToken.created_at.label("token_created_at"),
    ApiToken.last_used_at.label("token_last_used_at"),
    ApiToken.kind.label("token_kind"),
    Account.local.label("token_local"),
    Account.plan.label("token_plan"),
)


class TokenRow(Protocol):
    """A row read with ``TOKEN_COLUMNS`` (it may hold more columns)."""

    token_id: str
    token_account_id: str
    token_created_at: datetime
    token_last_used_at: datetime | None
    token_kind: str
    token_local: bool
    token_plan: str


TOKEN_JOIN = ApiToken.__table__.join(Account.__table__, Account.id == ApiToken.account_id)
TOKEN_MATCH = and_(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None))
_AUTHENTICATE = select(*TOKEN_COLUMNS).select_from(TOKEN_JOIN).where(TOKEN_MATCH)
_TOKENS: Table = ApiToken.__table__  # type: ignore[assignment]
# A Core statement, run as one executemany for the whole batch.
_TOUCH = update(_TOKENS).where(_TOKENS.c.id == bindparam("token_id")).values(last_used_at=bindparam("used_at"))


class AccountError(Exception):
    """Sign-up or sign-in refused; the message is safe to show. ``field`` names the request field at fault."""

    field: str | None = None


class EmailTaken(AccountError):
    pass


class InvalidEmail(AccountError):
    field = "email"


class WeakPassword(AccountError):
    field = "password"


SESSION_TOKEN, PERSONAL_TOKEN = "session", "personal"


@dataclass(frozen=True)
class AuthContext:
    """Who is calling: the account, the token used, whether it is a personal API token (made for scripts
    with ``POST /v1/tokens``, not by signing in) and the account's plan id as read with the token."""

    account_id: str
    token_id: str
    personal: bool = False
    plan: str = "free"


@dataclass(frozen=True)
class TokenInfo:
    id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None  # None: does not expire (local account, or lifetimes turned off)


class Accounts:
    """Sign-up, password checks and tokens. Methods are blocking: hashing ones belong on ``hashing.run``."""

    def __init__(
        self,
        store: Store,
        token_secret: str = "",
        token_lifetime: float = 30 * 86400.0,
        hashing: PasswordHashing | None = None,
    ) -> None:
        self._store = store
        self._key = token_secret.encode()
        # Seconds a token may go unused; 0 turns lifetimes off.
        self.token_lifetime = token_lifetime
        self.hashing = hashing or PasswordHashing()
        self._uses: dict[str, datetime] = {}  # token id -> last use not yet written
        self._uses_lock = threading.Lock()

    def token_digest(self, token: str) -> str:
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()

    # -- passwords ------------------------------------------------------------------------------------

    def sign_up(self, email: str, password: str, plan: str = "free") -> Account:
        """A new account; raises InvalidEmail, WeakPassword or EmailTaken (all AccountError)."""
        email = normalize_email(email)
        problem = password_problem(password, email)
        if problem is not None:
            raise WeakPassword(problem)
        account = Account(email=email, password_hash=self.hashing.hasher.hash(password), plan=plan, local=False)
        try:
            with self._store.writes.begin() as session:
                session.add(account)
        except IntegrityError as error:
            raise EmailTaken("an account with this email already exists") from error
        return account

    def verify_password(self, email: str, password: str) -> Account:
        """The account whose password this is; raises AccountError (one message for every failure)."""
        with self._store.reads() as session:
            account = session.scalar(select(Account).where(Account.email == lookup_email(email)))
        if account is None or account.password_hash is None or account.local:
            # Spend the same effort as a real check so timing does not reveal which emails exist.
            self.hashing.hasher.hash(password)
            raise AccountError("wrong email or password")
        try:
            self.hashing.hasher.verify(account.password_hash, password)
        except (VerificationError, InvalidHashError) as error:
            raise AccountError("wrong email or password") from error
        return account

    # -- tokens ---------------------------------------------------------------------------------------

    def issue_token(self, account_id: str, label: str = "", kind: str = SESSION_TOKEN) -> tuple[str, str]:
        """A new token for the account: (token shown once, token id). ``kind``: ``SESSION_TOKEN`` (sign-in)
        or ``PERSONAL_TOKEN`` (an API token for scripts, which needs a plan with API access)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(account_id=account_id, token_hash=self.token_digest(token), label=label[:100], kind=kind)
        with self._store.writes.begin() as session:
            session.add(row)
        return token, row.id

    def authenticate(self, token: str) -> AuthContext | None:
        """The token's account, or None when it is unknown, revoked or expired. Notes the use (no write)."""
        with self._store.single_reads.connect() as connection:
            row = connection.execute(_AUTHENTICATE, {"digest": self.token_digest(token)}).first()
        return None if row is None else self.accept(row)

    def accept(self, row: TokenRow) -> AuthContext | None:
        """The caller of an unrevoked token read as ``TOKEN_COLUMNS`` (by ``authenticate``, or by the status read
        that joins them with the job), or None when it went unused too long. Notes the use (no write)."""
        now = utcnow()
        with self._uses_lock:
            last_used = self._uses.get(row.token_id) or row.token_last_used_at or row.token_created_at
            if not row.token_local and self._expired(last_used, now):
                return None
            self._uses[row.token_id] = now
        personal = row.token_kind == PERSONAL_TOKEN
        return AuthContext(
            account_id=row.token_account_id, token_id=row.token_id, personal=personal, plan=row.token_plan
        )

    def _expired(self, last_used: datetime, now: datetime) -> bool:
        return self.token_lifetime > 0 and now - last_used > timedelta(seconds=self.token_lifetime)

    def flush_token_use(self) -> int:
        """Write the noted token uses in one transaction; returns how many. On failure they stay noted."""
        with self._uses_lock:
            uses, self._uses = self._uses, {}
        if not uses:
            return 0
        try:
            with self._store.writes.begin() as session:
                rows = [{"token_id": key, "used_at": when} for key, when in uses.items()]
                session.connection().execute(_TOUCH, rows)
        except Exception:
            with self._uses_lock:
                for key, when in uses.items():
                    self._uses[key] = max(when, self._uses.get(key, when))
            raise
        return len(uses)

    def expire_tokens(self) -> int:
        """Revoke every token of a non-local account unused for longer than the lifetime; returns how many."""
        if self.token_lifetime <= 0:
            return 0
        now = utcnow()
        cutoff = now - timedelta(seconds=self.token_lifetime)
        with self._uses_lock:
            recent = {key for key, when in self._uses.items() if when > cutoff}
        with self._store.writes.begin() as session:
            stale = session.scalars(
                select(ApiToken.id)
                .join(Account, Account.id == ApiToken.account_id)
                .where(
                    ApiToken.revoked_at.is_(None),
                    Account.local.is_(False),
                    ApiToken.created_at < cutoff,
                    (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < cutoff),
                )
            ).all()
            expired = [token_id for token_id in stale if token_id not in recent]
            if expired:
                session.execute(
                    update(ApiToken)
                    .where(ApiToken.id.in_(expired), ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now)
                    .execution_options(synchronize_session=False)
                )
        return len(expired)

    def tokens(self, account_id: str) -> list[TokenInfo]:
        """The account's live tokens, oldest first, with their last use and when they expire unused."""
        with self._store.reads() as session:
            local = bool(session.scalar(select(Account.local).where(Account.id == account_id)))
            rows = session.scalars(
                select(ApiToken)
                .where(ApiToken.account_id == account_id, ApiToken.revoked_at.is_(None))
                .order_by(ApiToken.created_at)
            ).all()
        with self._uses_lock:
            noted = {row.id: self._uses.get(row.id) for row in rows}
        infos = []
        now = utcnow()
        for row in rows:
            last_used = max((t for t in (noted[row.id], row.last_used_at) if t is not None), default=None)
            since = last_used or row.created_at
            if not local and self._expired(since, now):
                continue
            expires = None if local or self.token_lifetime <= 0 else since + timedelta(seconds=self.token_lifetime)
            infos.append(TokenInfo(row.id, row.label, row.created_at, last_used_at=last_used, expires_at=expires))
        return infos

    def revoke(self, account_id: str, token_id: str) -> bool:
        with self._store.writes.begin() as session:
            row = session.get(ApiToken, token_id)
            if row is None or row.account_id != account_id or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
        return True

    # -- accounts -------------------------------------------------------------------------------------

    def get(self, account_id: str) -> Account | None:
        with self._store.reads() as session:
            return session.get(Account, account_id)

    def find_by_email(self, email: str) -> Account | None:
        with self._store.reads() as session:
            return session.scalar(select(Account).where(Account.email == lookup_email(email)))

    def local_account(self) -> Account | None:
        """The account marked local in the database (never found by its email)."""
        with self._store.reads() as session:
            return session.scalar(select(Account).where(Account.local.is_(True)))

    def ensure_local_account(self) -> Account:
        """The single password-less account of a local server, created on first start."""
        existing = self.local_account()
        if existing is not None:
            return existing
        email = LOCAL_EMAIL
        if self.find_by_email(LOCAL_EMAIL) is not None:
            # Signed up by someone else on an older server: that account is not the local one.
            log.warning("%s belongs to an account that is not the local one; it keeps its data", LOCAL_EMAIL)
            email = f"local+{new_id()[:12]}@{LOCAL_DOMAIN}"
        try:
            with self._store.writes.begin() as session:
                account = Account(email=email, password_hash=None, plan="free", local=True)
                session.add(account)
            return account
        except IntegrityError:  # another process created it first
            found = self.local_account()
            if found is None:
                raise
            return found


def normalize_email(email: str) -> str:
    """The stored form of an email for sign-up (lower-cased); raises InvalidEmail with the reason."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        domain = email.strip().rpartition("@")[2].lower()
        if is_reserved_domain(domain):
            raise InvalidEmail(f"addresses at {LOCAL_DOMAIN} are reserved for the local account") from error
        raise InvalidEmail(str(error)) from error
    if is_reserved_domain(checked.ascii_domain.lower()):
        raise InvalidEmail(f"addresses at {LOCAL_DOMAIN} are reserved for the local account")
    return checked.normalized.lower()


def is_reserved_domain(domain: str) -> bool:
    return domain == LOCAL_DOMAIN or domain.endswith("." + LOCAL_DOMAIN)


def lookup_email(email: str) -> str:
    """The stored form of an email for sign-in; an invalid one maps to a form no account has."""
    try:
        return normalize_email(email)
    except InvalidEmail:
        return email.strip().lower()
