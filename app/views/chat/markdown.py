"""Markdown of a finished reply → HTML that Qt's rich text understands, with highlighted code blocks.

Qt's QTextDocument reads a subset of HTML 4 and inline CSS, so code is coloured with pygments' inline
styles and each block sits in a one-cell table with a "Copy" link (``copy-code:N``) above it.

Model text is untrusted: raw HTML is escaped, never interpreted; an image becomes its alt text and, for an
``http(s)`` address, a link the person may click (nothing is ever loaded); a link keeps its ``href`` only
for ``http``, ``https`` and ``mailto`` — any other scheme (``action:``, ``copy-code:``, ``file:``, a path,
``//host/share``) is shown as text, so only links the app itself writes can trigger an app action.
Big code blocks are never lexer-guessed, and only their first ``MAX_HIGHLIGHT_LINES`` lines are coloured.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name, guess_lexer
from pygments.util import ClassNotFound

CODE_BACKGROUND = "#11111b"
CODE_HEADER = "#1c1c2e"
CODE_STYLE = "monokai"
SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
GUESS_LIMIT_CHARS = 2_000  # guess_lexer tries every lexer: seconds on a 3,000-line block
MAX_HIGHLIGHT_LINES = 400
MAX_HIGHLIGHT_CHARS = 40_000


@dataclass(frozen=True)
class Rendered:
    html: str
    code_blocks: tuple[str, ...]


@lru_cache(maxsize=1)
def _formatter() -> HtmlFormatter:
    return HtmlFormatter(noclasses=True, nowrap=True, style=CODE_STYLE)


def safe_href(url: str) -> str | None:
    """``url`` when a click on it may open it (http, https, mailto with a host or address), else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_LINK_SCHEMES:
        return None
    if parts.scheme.lower() != "mailto" and not parts.netloc:
        return None
    return url.strip()


def _split_for_highlighting(code: str) -> tuple[str, str]:
    """(head to colour, tail shown plain): at most ``MAX_HIGHLIGHT_LINES`` lines / ``MAX_HIGHLIGHT_CHARS``."""
    head = code[:MAX_HIGHLIGHT_CHARS]
    cut = -1
    for _ in range(MAX_HIGHLIGHT_LINES):
        cut = head.find("\n", cut + 1)
        if cut < 0:
            break
    if cut < 0 and len(head) == len(code):
        return code, ""
    if cut < 0:  # one enormous line run: cut at the last line break inside the limit
        cut = head.rfind("\n")
        if cut < 0:
            return "", code
    return code[:cut], code[cut:]


def highlight_code(code: str, language: str) -> str:
    """HTML of ``code`` coloured for ``language``; unlabelled blocks are guessed only when short."""
    head, tail = _split_for_highlighting(code)
    try:
        if language:
            lexer = get_lexer_by_name(language)
        elif len(code) <= GUESS_LIMIT_CHARS:
            lexer = guess_lexer(code)
        else:
            return html.escape(code)
    except ClassNotFound:
        return html.escape(code)
    if not language and lexer.name == "Text only":
        return html.escape(code)
    coloured = str(highlight(head, lexer, _formatter())).rstrip("\n") if head else ""
    return coloured + html.escape(tail)


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


def _image(renderer: Any, tokens: Any, index: int, options: Any, env: dict[str, Any]) -> str:
    """An image is never loaded: its alt text, and its address as a link when it is http(s)."""
    token = tokens[index]
    alt = html.escape(token.content or "image")
    source = str(token.attrs.get("src", ""))
    href = safe_href(source)
    if href is None or not href.lower().startswith(("http://", "https://")):
        return f"[image: {alt}]"
    return f'[image: {alt}] <a href="{html.escape(href, quote=True)}">{html.escape(href)}</a>'


def _link_open(renderer: Any, tokens: Any, index: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[index]
    href = safe_href(str(token.attrs.get("href", "")))
    opened: list[bool] = env.setdefault("open_links", [])
    opened.append(href is not None)
    return f'<a href="{html.escape(href, quote=True)}">' if href is not None else ""


def _link_close(renderer: Any, tokens: Any, index: int, options: Any, env: dict[str, Any]) -> str:
    opened: list[bool] = env.setdefault("open_links", [])
    return "</a>" if opened and opened.pop() else ""


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("fence", _fence)
    md.add_render_rule("code_block", _fence)
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    return md


def render_markdown(text: str) -> Rendered:
    """HTML of ``text`` and the source of each code block, in order (for the Copy links)."""
    env: dict[str, Any] = {}
    body = _markdown().render(text, env)
    return Rendered(body, tuple(env.get("code_blocks", ())))


def plain_html(text: str) -> str:
    """A streaming reply as escaped text with its line breaks; Markdown is rendered once it finishes."""
    return f'<p style="white-space: pre-wrap;">{html.escape(text)}</p>'
