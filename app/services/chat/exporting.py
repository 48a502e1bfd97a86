"""Export a session to Markdown or JSON and import the JSON back. Pure functions; the service writes files."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from typing import Any

from app.services.chat import importing
from app.services.chat.importing import FORMAT, VERSION, ImportFailed
from app.services.chat.store import SESSION_FIELDS, MessageInfo, SessionInfo

__all__ = ["FORMAT", "VERSION", "ImportFailed", "from_json", "safe_filename", "to_json", "to_markdown"]
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def safe_filename(title: str, suffix: str, max_length: int = 80) -> str:
    """A file name from a session title that is valid on Windows, macOS and Linux."""
    normalized = unicodedata.normalize("NFKC", title)
    cleaned = re.sub(r'[\x00-\x1f<>:"/\\|?*]+', " ", normalized)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .")[:max_length].strip(" .")
    if not cleaned or cleaned.upper() in _RESERVED:
        cleaned = f"chat {cleaned}".strip()
    return f"{cleaned}{suffix}"


def to_markdown(session: SessionInfo, messages: list[MessageInfo]) -> str:
    lines = [f"# {session.title}", "", f"*Model:* `{session.provider}/{session.model}`  "]
    lines.append(f"*Exported:* {datetime.now().strftime('%Y-%m-%d %H:%M')}")
    if session.system_prompt.strip():
        lines += ["", "> **System prompt**", *(f"> {line}" for line in session.system_prompt.splitlines())]
    for message in messages:
        heading = {"user": "You", "assistant": f"Assistant ({message.model or session.model})"}.get(
            message.role, message.role.title()
        )
        lines += ["", f"## {heading}", ""]
        if message.reasoning:
            thinking = balance_fences(message.reasoning)
            lines += ["<details><summary>Thinking</summary>", "", thinking, "", "</details>", ""]
        lines.append(balance_fences(message.content))
        if message.status != "complete":
            lines += ["", f"*({message.status}{': ' + message.error if message.error else ''})*"]
    return "\n".join(lines).rstrip() + "\n"


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def balance_fences(text: str) -> str:
    """``text`` with a fenced code block left open at its end closed (CommonMark fence rules), so an
    interrupted reply cannot swallow everything after it in the exported file."""
    opened: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if match is None:
            continue
        fence, rest = match.group(1), match.group(2)
        if opened is None:
            if not (fence[0] == "`" and "`" in rest):  # a backtick fence's info string has no backtick
                opened = fence
        elif fence[0] == opened[0] and len(fence) >= len(opened) and not rest.strip():
            opened = None
    if opened is None:
        return text
    return text.rstrip("\n") + "\n" + opened


def _message_dict(message: MessageInfo) -> dict[str, Any]:
    return {
        "role": message.role,
        "content": message.content,
        "status": message.status,
        "provider": message.provider,
        "model": message.model,
        "tokens_in": message.tokens_in,
        "tokens_out": message.tokens_out,
        "estimated": message.estimated,
        "cost": message.cost,
        "error": message.error,
        "note": message.note,
        "reasoning": message.reasoning,
        "finish_reason": message.finish_reason,
        "created_at": message.created_at.isoformat(),
    }


def to_json(session: SessionInfo, messages: list[MessageInfo]) -> str:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "session": {name: getattr(session, name) for name in SESSION_FIELDS},
        "messages": [_message_dict(message) for message in messages],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def from_json(raw: str | bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Session fields and message rows from an export (text, or bytes in UTF-8 with or without a BOM);
    raises ``ImportFailed`` with a clear reason (``importing`` validates every field)."""
    text = importing.decode(raw) if isinstance(raw, bytes) else raw.removeprefix("\ufeff")
    return importing.rows(importing.parse(text))
