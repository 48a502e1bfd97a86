"""Window state kept in the cache database between runs (sidebar, last place)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.models.ui_state import UiState


class UiStateStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def get(self, key: str, default: Any = None) -> Any:
        with self._sessions() as session:
            row = session.get(UiState, key)
            if row is None:
                return default
            try:
                return json.loads(row.value)
            except ValueError:
                return default

    def set(self, key: str, value: Any) -> None:
        with self._sessions.begin() as session:
            session.merge(UiState(key=key, value=json.dumps(value)))
