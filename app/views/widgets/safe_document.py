"""A QTextDocument that never loads a resource: rich text built from untrusted text cannot read files.

Qt's text document loads every ``<img src>`` (and style sheet) it meets through ``loadResource``: a local
path is read whole (``/dev/zero`` never ends), a UNC path on Windows makes a network request, a ``qrc``
path shows the app's own resources. Model replies, imported chats and server error texts all end up in
rich text, so every document that shows them is a ``SafeDocument``: nothing is loaded, the image is
simply absent (Markdown images are rendered as their alt text before they get here).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QTextDocument

log = logging.getLogger(__name__)


class SafeDocument(QTextDocument):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        """Refuses every resource: returns an empty value, so nothing is read or fetched."""
        log.debug(
            "refused to load a rich-text resource: %s", (name.toString() if isinstance(name, QUrl) else name)[:200]
        )
        return None
