"""Export a session to Markdown or JSON and import the JSON back. Pure functions; the service writes files."""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from datetime import datetime
from typing import Any

from app.services.chat.store import SESSION_FIELDS, MessageInfo, SessionInfo

FORMAT = "amethyst.chat"
VERSION = 1
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


class ImportFailed(ValueError):
    """The file is not a chat export this app can read; the message says why."""


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
        lines += ["", f"## {heading}", "", message.content]
        if message.status != "complete":
            lines += ["", f"*({message.status}{': ' + message.error if message.error else ''})*"]
    return "\n".join(lines).rstrip() + "\n"


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


def from_json(raw: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Session fields and message rows from an export; raises ``ImportFailed`` with a clear reason."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImportFailed(f"This file is not valid JSON (line {error.lineno}).") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportFailed("This JSON file is not an Amethyst chat export.")
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        raise ImportFailed("This export comes from a newer version of Amethyst.")
    session = data.get("session")
    messages = data.get("messages")
    if not isinstance(session, dict) or not isinstance(messages, list):
        raise ImportFailed("The export is missing its session or messages.")
    fields = {key: session[key] for key in SESSION_FIELDS if key in session}
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(messages):
        if not isinstance(item, dict) or item.get("role") not in ("user", "assistant", "system"):
            raise ImportFailed(f"Message {index + 1} has no valid role.")
        if not isinstance(item.get("content"), str):
            raise ImportFailed(f"Message {index + 1} has no text.")
        status = item.get("status", "complete")
        row: dict[str, Any] = {
            "role": item["role"],
            "content": item["content"],
            # A reply that was streaming when exported cannot still be streaming here.
            "status": "interrupted" if status == "streaming" else status,
        }
        for key in ("provider", "model", "tokens_in", "tokens_out", "cost", "error", "note"):
            if item.get(key) is not None:
                row[key] = item[key]
        row["estimated"] = bool(item.get("estimated", False))
        if isinstance(item.get("created_at"), str):
            with contextlib.suppress(ValueError):
                row["created_at"] = datetime.fromisoformat(item["created_at"])
        rows.append(row)
    return fields, rows
