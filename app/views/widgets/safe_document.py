"""A QTextDocument that never loads a resource: rich text built from untrusted text cannot read files.

Qt's text document loads every ``<img src>`` (and style sheet) it meets: a local path is read whole
(``/dev/zero`` never ends), a UNC path on Windows makes a network request, a ``qrc`` path shows the app's
own resources. Model replies, imported chats and server error texts all end up in rich text, so every
document that shows them is a ``SafeDocument``: nothing is loaded (Markdown images are rendered as their
alt text before they get here).

Returning "nothing" from ``loadResource`` is not enough: given an empty value, Qt's image handler
(``QTextImageHandler``) reads a local path with ``QImage::load`` itself. So an image request is answered
with a 1×1 transparent image, which Qt accepts and stops at; any other resource with empty bytes.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QUrl
from PySide6.QtGui import QImage, QTextDocument

log = logging.getLogger(__name__)


class SafeDocument(QTextDocument):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        """Refuses every resource: a blank 1×1 image for images, empty bytes otherwise; nothing is read."""
        address = name.toString() if isinstance(name, QUrl) else name
        log.debug("refused to load a rich-text resource: %s", address[:200])
        image = QTextDocument.ResourceType.ImageResource
        if kind in (image, image.value):
            blank = QImage(1, 1, QImage.Format.Format_ARGB32)
            blank.fill(0)
            return blank
        return QByteArray()
