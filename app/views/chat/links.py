"""What a click on a link inside a message bubble does (copy, edit, regenerate, continue, add key, …)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from app.services.chat.controller import ChatController
from app.views.chat.markdown import safe_href
from app.views.chat.message_model import MessageRow


def follow_link(
    controller: ChatController,
    toast: Callable[[str], Any],
    toggle_thinking: Callable[[int], Any],
    row: MessageRow,
    href: str,
    show_full: Callable[[str, str], Any] | None = None,
) -> None:
    """Does what ``href`` in ``row``'s bubble asks; ``toast`` shows a short confirmation,
    ``toggle_thinking(message id)`` folds or unfolds a reply's "Thinking" part and ``show_full(title, text)``
    shows a message too long for its bubble."""
    info = row.info
    if href.startswith("copy-code:"):
        blocks = row.rendered().code_blocks
        number = href.split(":", 1)[1]
        if number.isdigit() and int(number) < len(blocks):
            QGuiApplication.clipboard().setText(blocks[int(number)])
            toast("Code copied")
    elif href == "action:copy":
        QGuiApplication.clipboard().setText(row.text)
        toast("Message copied")
    elif href == "action:edit":
        controller.begin_edit(info.id, row.text)
    elif href in ("action:regenerate", "action:retry"):
        controller.regenerate(info.session_id)
    elif href == "action:retry-trimmed":
        controller.retry_trimmed(info.session_id)
    elif href == "action:summary-chat":
        controller.new_chat_with_summary(info.session_id, info.id)
    elif href == "action:toggle-thinking":
        toggle_thinking(info.id)
    elif href == "action:open-full" and show_full is not None:
        who = "Your message" if info.role == "user" else "Reply"
        show_full(f"{who} — {row.text.count(chr(10)) + 1:,} lines", row.text)
    elif href == "action:continue":
        controller.continue_reply(info.session_id, info.id)
    elif href == "action:add-key":
        controller.open_key_settings(info.provider or "")
    elif safe_href(href) is not None:  # model text keeps only http(s)/mailto links (markdown.safe_href)
        QDesktopServices.openUrl(QUrl(href))
