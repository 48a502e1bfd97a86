"""What a click on a link inside a message bubble does (copy, edit, regenerate, continue, add key, …)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from app.services.chat import remedies
from app.views.chat.markdown import safe_href
from app.views.chat.message_model import MessageRow

if TYPE_CHECKING:
    from app.views.chat.page import ChatPage


def follow_link(page: ChatPage, row: MessageRow, href: str) -> None:
    service, session_id = page.service, row.info.session_id
    if href.startswith("copy-code:"):
        blocks = row.rendered().code_blocks
        number = href.split(":", 1)[1]
        if number.isdigit() and int(number) < len(blocks):
            QGuiApplication.clipboard().setText(blocks[int(number)])
            page.toast("Code copied")
    elif href == "action:copy":
        QGuiApplication.clipboard().setText(row.text)
        page.toast("Message copied")
    elif href == "action:edit":
        page.composer.begin_edit(row.info.id, row.text)
    elif href in ("action:regenerate", "action:retry"):
        service.run(session_id, service.regenerate(session_id))
    elif href == "action:retry-trimmed":
        service.run(session_id, remedies.retry_without_oldest(service, session_id))
    elif href == "action:toggle-thinking":
        page.model.toggle_thinking(row.info.id)
    elif href == "action:continue":
        service.run(session_id, service.continue_reply(row.info.id))
    elif href == "action:add-key":
        page.open_key_settings(row.info.provider)
    elif safe_href(href) is not None:  # model text keeps only http(s)/mailto links (markdown.safe_href)
        QDesktopServices.openUrl(QUrl(href))
