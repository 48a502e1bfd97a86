"""The weakest passwords refused at sign-up, each with a message that says why.

The rules follow NIST SP 800-63B §5.1.1.2 (length, a list of commonly used passwords, no context-specific
words such as the email) rather than composition rules. The list is ``modal_app/data/common-passwords.txt``.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

MIN_LENGTH = 8
MAX_LENGTH = 1024
# A part of the email shorter than this is too common to forbid inside a password ("jo", "mail").
MIN_EMAIL_PART = 4


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased (read once per process)."""
    text = (files("modal_app") / "data" / "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def password_problem(password: str, email: str) -> str | None:
    """Why ``password`` is too weak for the account ``email``, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"use at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"use at most {MAX_LENGTH} characters"
    if not password.strip():
        return "a password cannot be only spaces"
    if len(set(password)) < 3:
        return "use more than one or two different characters"
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        return "this password is one of the most common ones; choose one that is harder to guess"
    email = email.strip().lower()
    local_part = email.partition("@")[0]
    if email and email in lowered:
        return "a password cannot contain your email address"
    if len(local_part) >= MIN_EMAIL_PART and local_part in lowered:
        return "a password cannot contain the name part of your email address"
    return None
