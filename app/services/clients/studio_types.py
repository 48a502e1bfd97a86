"""What the Studio API answers, as typed values, and the errors a request can end with.

The values are the wire contract's pydantic models (``modal_app.contract``, which imports only pydantic),
re-exported here for the desktop; the client validates every answer with them.
"""

from __future__ import annotations

from modal_app.contract import Credits, ImageModel, ImageRequest, Job, JobPage, JobState, Me, ModelTable, Session

__all__ = [
    "AuthNeeded",
    "Credits",
    "ImageModel",
    "ImageRequest",
    "InvalidRequest",
    "Job",
    "JobPage",
    "JobState",
    "MalformedAnswer",
    "Me",
    "ModelTable",
    "NotEnoughCredits",
    "NotFound",
    "ServerError",
    "Session",
    "StudioError",
    "StudioUnreachable",
]


class StudioError(Exception):
    """Any failure talking to the Studio API; ``str(error)`` is fit to show to the person."""


class StudioUnreachable(StudioError):
    """No answer: connection refused, DNS, TLS, timeouts (after retries)."""


class AuthNeeded(StudioError):
    """401: no token, or the token was revoked. The person must sign in again."""


class NotEnoughCredits(StudioError):
    def __init__(self, needed: int, available: int) -> None:
        super().__init__(f"This needs {needed} credits; {available} available.")
        self.needed = needed
        self.available = available


class InvalidRequest(StudioError):
    """422: the server names the field that is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}" if field_name else message)
        self.field = field_name
        self.message = message


class NotFound(StudioError):
    pass


class ServerError(StudioError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"The Studio API answered {status}: {message}")
        self.status = status


class MalformedAnswer(StudioError):
    """The Studio API answered, but not in the shape of the contract (a server bug or a wrong server):
    a field missing or of the wrong type, an unknown job state, not JSON at all."""

    def __init__(self, what: str, problem: str) -> None:
        super().__init__(f"The Studio API sent a malformed answer to {what}: {problem}.")
        self.what = what
        self.problem = problem
