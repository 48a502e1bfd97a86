"""Markdown of a finished reply → HTML that Qt's rich text understands, with highlighted code blocks.

Qt's QTextDocument reads a subset of HTML 4 and inline CSS, so code is coloured with pygments' inline
styles and each block sits in a one-cell table with a "Copy" link (``copy-code:N``) above it.
Raw HTML in messages is escaped, never interpreted.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name, guess_lexer
from pygments.util import ClassNotFound

CODE_BACKGROUND = "#11111b"
CODE_HEADER = "#1c1c2e"
CODE_STYLE = "monokai"


@dataclass(frozen=True)
class Rendered:
    html: str
    code_blocks: tuple[str, ...]


@lru_cache(maxsize=1)
def _formatter() -> HtmlFormatter:
    return HtmlFormatter(noclasses=True, nowrap=True, style=CODE_STYLE)


def highlight_code(code: str, language: str) -> str:
    try:
        lexer = get_lexer_by_name(language) if language else guess_lexer(code)
    except ClassNotFound:
        return html.escape(code)
    if not language and lexer.name == "Text only":
        return html.escape(code)
    return str(highlight(code, lexer, _formatter())).rstrip("\n")


def _fence(renderer: Any, tokens: Any, index: int, options: Any, env: dict[str, Any]) -> str:
    """Render rule for fenced and indented code; the sources are collected in ``env["code_blocks"]``."""
    token = tokens[index]
    language = (token.info or "").strip().split(" ")[0]
    code = token.content.rstrip("\n")
    blocks: list[str] = env.setdefault("code_blocks", [])
    number = len(blocks)
    blocks.append(code)
    label = html.escape(language or "code")
    return (
        f'<table width="100%" cellspacing="0" cellpadding="8" style="margin: 6px 0;">'
        f'<tr><td bgcolor="{CODE_HEADER}"><span style="color:#a1a1aa;">{label}</span>'
        f'&nbsp;&nbsp;&nbsp;<a href="copy-code:{number}" style="color:#c084fc; text-decoration:none;">Copy</a>'
        f"</td></tr>"
        f'<tr><td bgcolor="{CODE_BACKGROUND}"><pre style="margin:0; white-space:pre-wrap;">'
        f"{highlight_code(code, language)}</pre></td></tr></table>"
    )


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("fence", _fence)
    md.add_render_rule("code_block", _fence)
    return md


def render_markdown(text: str) -> Rendered:
    """HTML of ``text`` and the source of each code block, in order (for the Copy links)."""
    env: dict[str, Any] = {}
    body = _markdown().render(text, env)
    return Rendered(body, tuple(env.get("code_blocks", ())))


def plain_html(text: str) -> str:
    """A streaming reply as escaped text with its line breaks; Markdown is rendered once it finishes."""
    return f'<p style="white-space: pre-wrap;">{html.escape(text)}</p>'
