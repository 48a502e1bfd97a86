"""Markdown of a finished reply → HTML that Qt's rich text understands, with highlighted code blocks.

Qt's QTextDocument reads a subset of HTML 4 and inline CSS, so code is coloured with pygments' inline
styles and each block sits in a one-cell table with a "Copy" link (``copy-code:N``) above it.

Model text is untrusted: raw HTML is escaped, never interpreted; an image becomes its alt text and, for an
``http(s)`` address, a link the person may click (nothing is ever loaded); a link keeps its ``href`` only
for ``http``, ``https`` and ``mailto`` — any other scheme (``action:``, ``copy-code:``, ``file:``, a path,
``//host/share``) is shown as text, so only links the app itself writes can trigger an app action.
Big code blocks are never lexer-guessed, and only their first ``MAX_HIGHLIGHT_LINES`` lines are coloured.

A long reply is rendered as *parts*: standalone HTML fragments of at most about ``PART_LINES`` source lines
(top-level blocks grouped, a long code block cut into chunks of lines), so the view builds and lays out only
the parts it shows (``message_doc.MessageDocument``): Qt lays out a 3,000-line block in one go in ~100 ms.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass
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
PART_LINES = 50  # source lines per part of a long reply: a part lays out in a few milliseconds
PART_BREAK = "\x00"  # between parts of a rendered reply; Markdown turns a NUL in the text into U+FFFD


@dataclass(frozen=True)
class Rendered:
    """A reply's HTML as standalone ``parts`` (one for a short reply), and each code block's source."""

    parts: tuple[str, ...]
    code_blocks: tuple[str, ...]

    @property
    def html(self) -> str:
        return "".join(self.parts)


class _PerThread(threading.local):
    """One parser and formatter per thread: replies are rendered on the UI thread and on workers, and
    neither markdown-it's lazily compiled rule chains nor pygments' formatter promise to be thread-safe."""

    markdown: MarkdownIt | None = None
    formatter: HtmlFormatter | None = None


_per_thread = _PerThread()


def _formatter() -> HtmlFormatter:
    if _per_thread.formatter is None:
        _per_thread.formatter = HtmlFormatter(noclasses=True, nowrap=True, style=CODE_STYLE)
    return _per_thread.formatter


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
    return "\n".join(highlighted_lines(code, language))


def highlighted_lines(code: str, language: str) -> list[str]:
    """``code`` as HTML, one string per source line (pygments closes its spans at each line end, so any run
    of lines is valid HTML on its own); only the head is coloured (``MAX_HIGHLIGHT_LINES``)."""
    head, tail = _split_for_highlighting(code)
    try:
        if language:
            lexer = get_lexer_by_name(language)
        elif len(code) <= GUESS_LIMIT_CHARS:
            lexer = guess_lexer(code)
        else:
            lexer = None
    except ClassNotFound:
        lexer = None
    if lexer is None or (not language and lexer.name == "Text only"):
        return html.escape(code).split("\n")
    coloured = str(highlight(head, lexer, _formatter())).rstrip("\n").split("\n") if head else []
    # ``tail`` starts with the line break that ends the head.
    return coloured + (html.escape(tail[1:]).split("\n") if tail else [])


def _fence(renderer: Any, tokens: Any, index: int, options: Any, env: dict[str, Any]) -> str:
    """Render rule for fenced and indented code; the sources are collected in ``env["code_blocks"]``."""
    token = tokens[index]
    language = (token.info or "").strip().split(" ")[0]
    code = token.content.rstrip("\n")
    blocks: list[str] = env.setdefault("code_blocks", [])
    number = len(blocks)
    blocks.append(code)
    label = html.escape(language or "code")
    lines = highlighted_lines(code, language)
    chunks = ["\n".join(lines[start : start + PART_LINES]) for start in range(0, len(lines), PART_LINES)] or [""]
    header = (
        f'<tr><td bgcolor="{CODE_HEADER}"><span style="color:#a1a1aa;">{label}</span>'
        f'&nbsp;&nbsp;&nbsp;<a href="copy-code:{number}" style="color:#c084fc; text-decoration:none;">Copy</a>'
        f"</td></tr>"
    )
    tables = []
    for position, chunk in enumerate(chunks):
        # A long block is a stack of tables, one part each, that read as one box.
        top = "6px" if position == 0 else "0"
        bottom = "6px" if position == len(chunks) - 1 else "0"
        padding = ("" if position == 0 else "padding-top:0; ") + ("" if bottom != "0" else "padding-bottom:0;")
        tables.append(
            f'<table width="100%" cellspacing="0" cellpadding="8" style="margin: {top} 0 {bottom} 0;">'
            f"{header if position == 0 else ''}"
            f'<tr><td bgcolor="{CODE_BACKGROUND}" style="{padding}"><pre style="margin:0; white-space:pre-wrap;">'
            f"{chunk}</pre></td></tr></table>"
        )
    return PART_BREAK.join(tables)


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


def _markdown() -> MarkdownIt:
    if _per_thread.markdown is None:
        _per_thread.markdown = _make_markdown()
    return _per_thread.markdown


def _make_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("fence", _fence)
    md.add_render_rule("code_block", _fence)
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    return md


def render_markdown(text: str) -> Rendered:
    """HTML of ``text`` in parts of about ``PART_LINES`` source lines, and the source of each code block,
    in order (for the Copy links). Pure Python: safe to run on a worker thread."""
    md = _markdown()
    env: dict[str, Any] = {}
    tokens = md.parse(text, env)
    groups: list[list[Any]] = [[]]
    lines = 0
    for token in tokens:
        groups[-1].append(token)
        if token.level == 0 and token.map is not None:
            lines += token.map[1] - token.map[0]
        if token.level == 0 and token.nesting <= 0 and lines >= PART_LINES:  # a top-level block ended
            groups.append([])
            lines = 0
    parts: list[str] = []
    for group in groups:
        if group:
            parts += md.renderer.render(group, md.options, env).split(PART_BREAK)
    return Rendered(tuple(part for part in parts if part) or ("",), tuple(env.get("code_blocks", ())))


def plain_html(text: str, *, margin_top: bool = True, margin_bottom: bool = True) -> str:
    """A streaming reply as escaped text with its line breaks; Markdown is rendered once it finishes.
    Without a margin, consecutive parts of one long text read as one."""
    margins = ("" if margin_top else " margin-top: 0;") + ("" if margin_bottom else " margin-bottom: 0;")
    return f'<p style="white-space: pre-wrap;{margins}">{html.escape(text)}</p>'


def plain_parts(text: str, limit: int | None = None) -> list[str]:
    """``plain_html`` of ``text`` in parts of ``PART_LINES`` lines (a long question, a reply whose
    Markdown is still being rendered off the UI thread); only the first ``limit`` parts are made."""
    lines = text.split("\n", (limit * PART_LINES) if limit is not None else -1)
    if len(lines) <= PART_LINES:
        return [plain_html(text)]
    count = -(-len(lines) // PART_LINES) if limit is None else min(limit, -(-len(lines) // PART_LINES))
    chunks = ("\n".join(lines[n * PART_LINES : (n + 1) * PART_LINES]) for n in range(count))
    return [f'<p style="white-space: pre-wrap; margin: 0;">{html.escape(chunk)}</p>' for chunk in chunks]
