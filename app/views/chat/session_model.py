"""The chat session list as a model: pages appended as the view scrolls, one row changed in place.

Rows are ``SessionInfo`` in the store's order (``updated_at`` then id, newest first). ``upsert`` moves or
inserts one row at its place by that key (a rename moves the chat to the top: it was just changed);
``remove`` takes one out. Nothing rebuilds the list but ``reset`` (a fresh first page). When the last
loaded page was full, ``canFetchMore`` is true and ``fetchMore`` asks for the next page through ``more``
(the controller's ``more_sessions``), which answers with ``append``.

It is a ``QStandardItemModel`` on purpose: ``QListView`` lays every row out again after rows change, and it
asks the model for each row's index while doing so. A C++ model answers that in ~1 ms for 20,000 rows; a
Python ``rowCount`` behind every ``index()`` took ~100 ms.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from app.services.chat.store import SessionInfo
from app.views.widgets.elided_label import leading_alignment, text_direction
from app.views.widgets.qt_guard import qt_guarded

SESSION_ROLE = 0x0101  # the session id
MESSAGE_ROLE = 0x0102  # a search hit's message id
DIRECTION_ROLE = 0x0103  # Qt.LayoutDirection of the row's text

Index = QModelIndex | QPersistentModelIndex


def _key(session: SessionInfo) -> tuple[float, int]:
    """Ascending sort key of the newest-first order (negated ``updated_at`` and id)."""
    stamp = session.updated_at.timestamp() if isinstance(session.updated_at, datetime) else 0.0
    return (-stamp, -session.id)


def session_item(session: SessionInfo) -> QStandardItem:
    """One row: the title (in its own direction), the id, and what a tooltip and a screen reader say."""
    item = QStandardItem(session.title)
    item.setEditable(False)
    direction = text_direction(session.title)
    item.setData(session.id, SESSION_ROLE)
    item.setData(direction, DIRECTION_ROLE)
    item.setData(int(leading_alignment(direction) | Qt.AlignmentFlag.AlignVCenter), Qt.ItemDataRole.TextAlignmentRole)
    item.setToolTip(f"{session.title}\n{session.provider}/{session.model}")
    item.setData(session.title, Qt.ItemDataRole.AccessibleTextRole)
    item.setData(f"Chat with {session.model} ({session.provider})", Qt.ItemDataRole.AccessibleDescriptionRole)
    return item


class SessionListModel(QStandardItemModel):
    """Listed sessions; ``page_size`` tells a full page (more may follow) from the last one."""

    def __init__(self, page_size: int, more: Callable[[SessionInfo], None] | None = None) -> None:
        super().__init__()
        self.page_size = page_size
        self.more = more
        self._rows: list[SessionInfo] = []  # parallel to the items, for the keys and ``more``
        self._ids: list[int] = []
        self._keys: list[tuple[float, int]] = []
        self._has_more = False
        self._asked = False

    # filling -----------------------------------------------------------------------------------------------
    def reset(self, page: list[SessionInfo]) -> None:
        self.setRowCount(0)
        self._rows, self._ids, self._keys = [], [], []
        self._has_more = False
        self.append(page)

    def append(self, page: list[SessionInfo]) -> None:
        """Adds the next page after the loaded rows (rows already listed through ``upsert`` are skipped)."""
        self._asked = False
        self._has_more = len(page) >= self.page_size
        known = set(self._ids)
        fresh = sorted((row for row in page if row.id not in known), key=_key)
        if not fresh:
            return
        self._rows.extend(fresh)
        self._ids.extend(row.id for row in fresh)
        self._keys.extend(_key(row) for row in fresh)
        self.invisibleRootItem().appendRows([session_item(row) for row in fresh])

    def upsert(self, session: SessionInfo) -> None:
        """Puts ``session`` at its place: in place when its key stays, else moved or inserted there."""
        old = self.row_of(session.id)
        key = _key(session)
        target = bisect_left(self._keys, key)
        if old is not None and target > old:
            target -= 1  # its place among the other rows
        others = len(self._rows) - (0 if old is None else 1)
        if target == others and self._has_more:
            # Older than every loaded row while pages remain: a later page brings it.
            if old is not None:
                self.remove(session.id)
            return
        if old is None:
            self._rows.insert(target, session)
            self._ids.insert(target, session.id)
            self._keys.insert(target, key)
            self.insertRow(target, session_item(session))
            return
        if target != old:
            for values, value in ((self._rows, session), (self._ids, session.id), (self._keys, key)):
                values.pop(old)
                values.insert(target, value)  # type: ignore[arg-type]
            # QStandardItemModel has no moveRows: the row is taken out and put back (two incremental signals).
            self.insertRow(target, self.takeRow(old))
        else:
            self._rows[old], self._keys[old] = session, key
        fresh = session_item(session)
        item = self.item(target)
        item.setText(fresh.text())
        for role in (DIRECTION_ROLE, Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ToolTipRole):
            item.setData(fresh.data(role), role)
        for role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            item.setData(fresh.data(role), role)

    def remove(self, session_id: int) -> None:
        row = self.row_of(session_id)
        if row is None:
            return
        for values in (self._rows, self._ids, self._keys):
            values.pop(row)
        self.removeRow(row)

    # reading -----------------------------------------------------------------------------------------------
    def row_of(self, session_id: int) -> int | None:
        """The row of ``session_id``, or None when it is not loaded (``list.index``: ~0.1 ms at 20,000)."""
        try:
            return self._ids.index(session_id)
        except ValueError:
            return None

    def session_at(self, row: int) -> SessionInfo:
        return self._rows[row]

    def sessions(self) -> list[SessionInfo]:
        return list(self._rows)

    def has_more(self) -> bool:
        return self._has_more

    # paging (Qt asks as the view scrolls to the end) ----------------------------------------------------
    @qt_guarded(default=False)
    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._has_more and not self._asked and bool(self._rows)

    @qt_guarded()
    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent) and self.more is not None:
            self._asked = True
            self.more(self._rows[-1])
