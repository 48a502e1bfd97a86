"""The rich text of one message bubble: who wrote it, the text, and a footer with usage and actions.

Actions are links (``action:copy``, ``action:edit``, ``action:regenerate``, ``action:continue``,
``action:retry``, ``action:retry-trimmed``, ``action:add-key``, ``action:toggle-thinking``,
``action:open-full``, ``action:summary-chat``; code blocks carry ``copy-code:N``) that the delegate
hit-tests. Only this module and ``markdown`` write links; model text can only make http(s)/mailto ones.
A reply's reasoning is a collapsible "Thinking" part above it.
"""

from __future__ import annotations

import html

from app.services.chat.overflow import CONTEXT_OVERFLOW
from app.views.chat.markdown import plain_html, plain_parts
from app.views.chat.message_model import MessageRow
from app.views.theme import PALETTE
from app.views.widgets.qt_guard import report

MAX_PARTS = 24  # ~1,200 source lines (markdown.PART_LINES each): a row well below Qt's 32,767 px item limit


def _link(action: str, label: str) -> str:
    return f'<a href="action:{action}">{label}</a>'


def cost_text(cost: float) -> str:
    """Dollars with as many decimals as a small cost needs: $0.0012, $0.43, $12.50; "< $0.0001" for crumbs."""
    if cost <= 0:
        return "$0"
    if cost < 0.0001:
        return "< $0.0001"
    return f"${cost:.4f}" if cost < 1 else f"${cost:.2f}"


def usage_text(row: MessageRow) -> str:
    """``12 in · 48 out tokens · $0.0004``; counts estimated with tiktoken read ``≈12 in · ≈48 out tokens``."""
    info = row.info
    if info.tokens_in is None and info.tokens_out is None:
        return ""
    mark = "≈" if info.estimated else ""
    parts = [f"{mark}{info.tokens_in or 0:,} in · {mark}{info.tokens_out or 0:,} out tokens"]
    if info.cost is not None:
        parts.append(cost_text(info.cost))
    return " · ".join(parts)


def header_html(row: MessageRow) -> str:
    info = row.info
    if info.role == "user":
        return "<b>You</b>"
    model = html.escape(f"{info.provider}/{info.model}" if info.provider else (info.model or ""))
    return f'<b>Assistant</b> <span style="color:{PALETTE.muted};">· {model}</span>'


def footer_html(row: MessageRow) -> str:
    info = row.info
    muted, pieces, actions = PALETTE.muted, [], []
    if row.streaming:
        if row.waiting:
            pieces.append(f'<span style="color:{PALETTE.warning};">Rate limited — retrying in {row.waiting} s</span>')
        elif row.phase:
            pieces.append(f'<span style="color:{muted};">{html.escape(row.phase)}</span>')
        else:
            pieces.append(f'<span style="color:{muted};">Writing…</span>')
    elif row.phase:  # a remedy at work on this reply (a summary being written): no actions meanwhile
        pieces.append(f'<span style="color:{muted};">{html.escape(row.phase)}</span>')
    else:
        usage = usage_text(row)
        if usage:
            pieces.append(f'<span style="color:{muted};">{html.escape(usage)}</span>')
        actions.append(_link("copy", "Copy"))
        if info.role == "user":
            actions.append(_link("edit", "Edit"))
        elif info.status == "interrupted" and row.is_last:
            actions += [_link("continue", "Continue"), _link("regenerate", "Regenerate")]
        elif info.status == "error" and row.is_last:
            actions.append(_link("retry", "Retry"))
            if info.finish_reason == CONTEXT_OVERFLOW:
                actions.append(_link("retry-trimmed", "Retry without the oldest turns"))
                actions.append(_link("summary-chat", "Start a new chat with a summary"))
            if info.error and ("API key" in info.error or "rejected the API key" in info.error):
                actions.append(_link("add-key", "Add key"))
        elif row.is_last:
            actions.append(_link("regenerate", "Regenerate"))
    if actions:
        pieces.append(" · ".join(actions))
    lines = []
    if info.note:
        lines.append(f'<span style="color:{PALETTE.warning};">{html.escape(info.note)}</span>')
    if info.error and not row.streaming:
        lines.append(f'<span style="color:{PALETTE.danger};">{html.escape(info.error)}</span>')
    lines.append("&nbsp;&nbsp;&nbsp;".join(pieces))
    return "<br>".join(lines)


def thinking_html(row: MessageRow) -> str:
    """The "Thinking" part: a toggle with the reasoning's length, and the reasoning itself when open."""
    if not row.reasoning:
        return ""
    live = row.streaming and not row.text
    arrow = "▾" if row.thinking_open else "▸"
    words = len(row.reasoning.split())
    head = (
        f'<a href="action:toggle-thinking">{arrow} {"Thinking…" if live else "Thinking"}</a>'
        f' <span style="color:{PALETTE.muted};">· {words:,} word{"s" if words != 1 else ""}</span>'
    )
    body = ""
    if row.thinking_open:
        body = (
            f'<p style="white-space: pre-wrap; color:{PALETTE.muted}; margin-left: 10px;">'
            f"<i>{html.escape(row.reasoning)}</i></p>"
        )
    return f'<div style="margin-bottom:4px;">{head}</div>{body}'


def message_html(row: MessageRow, end_marker: str = "") -> str:
    """``end_marker`` is put right after a streaming reply's text, where the view appends new text."""
    if row.streaming:
        return "".join(_framed(row, [plain_html(row.text + end_marker)]))
    return "".join(message_parts(row))


def message_parts(row: MessageRow) -> list[str]:
    """A finished message as standalone HTML parts (header and footer in the first and last): one for a
    short message, several for a long one, so the view lays out only what it shows. An assistant reply
    whose Markdown is still being rendered off the UI thread (``row.pending``) is shown as plain text.

    A list row cannot be taller than 32,767 px (Qt's item geometry), so a very long message shows its first
    ``MAX_PARTS`` parts, then says how much is left with a link that opens the whole text."""
    if row.info.role == "user" or row.pending:
        body = plain_parts(row.text, MAX_PARTS + 1)  # a 1 MB paste is not escaped whole to show its start
    else:
        body = list(row.rendered().parts) if row.text else [""]
    if len(body) > MAX_PARTS:
        total = row.text.count("\n") + 1
        notice = (
            f'<p style="color:{PALETTE.muted}; margin-top: 8px;">This message is {total:,} lines long; only its '
            f"beginning is shown here (Copy takes all of it). {_link('open-full', 'Open the whole message')}</p>"
        )
        body = [*body[:MAX_PARTS], notice]
    return _framed(row, body)


def _framed(row: MessageRow, body: list[str]) -> list[str]:
    text = f'<div style="color:{PALETTE.text};">'
    parts = [f"{text}{part}</div>" for part in body]
    parts[0] = f'{text}<div style="margin-bottom:4px;">{header_html(row)}</div>{thinking_html(row)}{body[0]}</div>'
    footer = f'<div style="margin-top:4px; font-size:9pt;">{footer_html(row)}</div>'
    parts[-1] = parts[-1][: -len("</div>")] + footer + "</div>"
    return parts


def streaming_html(row: MessageRow, start: int, end_marker: str) -> str:
    """The streaming reply's text from character ``start`` on, with the footer (and the header when
    ``start`` is 0); ``end_marker`` goes where new text is appended."""
    body = plain_html(row.text[start:] + end_marker, margin_top=start == 0)
    if start == 0:
        return "".join(_framed(row, [body]))
    footer = f'<div style="margin-top:4px; font-size:9pt;">{footer_html(row)}</div>'
    return f'<div style="color:{PALETTE.text};">{body}{footer}</div>'


def streamed_part_html(row: MessageRow, start: int, end: int) -> str:
    """Characters ``start``..``end`` of a streaming reply that will not change any more, as one part (with
    the header when ``start`` is 0)."""
    body = plain_html(row.text[start:end], margin_top=start == 0, margin_bottom=False)
    head = f'<div style="margin-bottom:4px;">{header_html(row)}</div>{thinking_html(row)}' if start == 0 else ""
    return f'<div style="color:{PALETTE.text};">{head}{body}</div>'


def safe_message_html(row: MessageRow, end_marker: str = "") -> str:
    """``message_html``, or — when a bad stored value (say, text in a token count) makes it fail — the
    message's text with a notice; the error is logged. A view must never fail to show a message."""
    try:
        return message_html(row, end_marker)
    except Exception as error:  # a broken value must cost this bubble's decoration only
        report(row, "message_html", error)
        return "".join(_fallback(row, end_marker))


def safe_message_parts(row: MessageRow) -> list[str]:
    """``message_parts``, or the message's text with a notice when a bad stored value breaks them."""
    try:
        return message_parts(row)
    except Exception as error:  # a broken value must cost this bubble's decoration only
        report(row, "message_html", error)
        return _fallback(row)


def _fallback(row: MessageRow, end_marker: str = "") -> list[str]:
    notice = "Part of this message could not be shown (the error is in the log)."
    parts = [f'<div style="color:{PALETTE.text};">{part}</div>' for part in plain_parts(row.text + end_marker)]
    parts[-1] += f'<div style="color:{PALETTE.warning}; font-size:9pt;">{notice}</div>'
    return parts
