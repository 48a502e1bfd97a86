"""Issue 10: chat exports are untrusted on import (every field checked), and Markdown exports stay balanced."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from app.context import AppContext
from app.services.chat.exporting import ImportFailed, balance_fences, from_json
from app.services.chat.service import ChatService
from tests.chat.helpers import make_service


@pytest.fixture
def service(context: AppContext) -> ChatService:  # type: ignore[misc]
    svc = make_service(context, None)
    yield svc
    svc.shutdown()


def export(**message: Any) -> dict[str, Any]:
    return {
        "format": "amethyst.chat",
        "version": 1,
        "session": {"title": "Imported", "provider": "openai", "model": "gpt-4o-mini"},
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello", **message}],
    }


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"tokens_in": "abc"}, "Message 2, field “tokens_in”"),
        ({"tokens_in": 2**70}, "Message 2, field “tokens_in”"),
        ({"cost": "free"}, "Message 2, field “cost”"),
        ({"tokens_out": -3}, "Message 2, field “tokens_out”"),
        ({"estimated": "yes"}, "Message 2, field “estimated”"),
        ({"status": "exploded"}, "Message 2, field “status”"),
    ],
)
async def test_bad_message_fields_fail_with_a_clear_message(
    service: ChatService, tmp_path: Path, change: dict[str, Any], where: str
) -> None:
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(export(**change)), encoding="utf-8")
    with pytest.raises(ImportFailed, match=where):
        await service.import_json(path)
    assert await service.list_sessions() == []  # nothing half-imported


@pytest.mark.parametrize(
    ("session", "where"),
    [({"title": {"x": 1}}, "session.title"), ({"temperature": "hot"}, "session.temperature")],
)
async def test_bad_session_fields_fail_with_a_clear_message(
    service: ChatService, tmp_path: Path, session: dict[str, Any], where: str
) -> None:
    data = export()
    data["session"].update(session)
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ImportFailed, match=where):
        await service.import_json(path)


async def test_a_file_with_a_byte_order_mark_imports(service: ChatService, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(export(tokens_in=3, reasoning="mulling")).encode())
    info = await service.import_json(path)
    messages = await service.messages(info.id)
    assert [m.content for m in messages] == ["hi", "hello"]
    assert messages[1].tokens_in == 3 and messages[1].reasoning == "mulling"


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["null", "bool", "int", "bigint", "float", "str", "list", "dict"] if depth < 4 else ["str", "int"]
    kind = rng.choice(kinds)
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.randint(-5, 5000)
    if kind == "bigint":
        return 2 ** rng.randint(60, 90)
    if kind == "float":
        return rng.choice([0.5, -1.0, 1e308, 3.0])
    if kind == "str":
        return rng.choice(["", "abc", "user", "assistant", "complete", "streaming", "2024-01-01T00:00:00", "x" * 300])
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ["role", "content", "tokens_in", "tokens_out", "cost", "title", "temperature", "status", "created_at", "z"]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def test_random_json_shapes_never_crash_the_import() -> None:
    """Property-style: any JSON gives rows or ``ImportFailed`` with a sentence, never another exception."""
    rng = random.Random(10)
    for _ in range(600):
        data = export()
        target = rng.choice(["root", "session", "messages", "message", "field"])
        if target == "root":
            data = random_json(rng)
        elif target == "session":
            data["session"] = random_json(rng)
        elif target == "messages":
            data["messages"] = random_json(rng)
        elif target == "message":
            data["messages"][1] = random_json(rng)
        else:
            key = rng.choice(["tokens_in", "cost", "role", "content", "created_at", "title", "max_tokens"])
            (data["session"] if key in ("title", "max_tokens") else data["messages"][1])[key] = random_json(rng)
        try:
            fields, rows = from_json(json.dumps(data))
        except ImportFailed as error:
            assert str(error).endswith(".") or str(error).endswith(")"), str(error)
            assert "Traceback" not in str(error)
            continue
        for row in rows:
            for key in ("tokens_in", "tokens_out"):
                assert row.get(key) is None or (isinstance(row[key], int) and 0 <= row[key] < 2**63)
        assert isinstance(fields.get("title", ""), str)
    for raw in (b"\xff\xfe", b"", b"[" * 100000):
        with pytest.raises(ImportFailed):
            from_json(raw)


def test_markdown_export_closes_a_fence_left_open_by_an_interrupted_reply() -> None:
    from datetime import datetime

    from app.services.chat.exporting import to_markdown
    from app.services.chat.store import MessageInfo, SessionInfo

    now = datetime(2026, 1, 1)
    session = SessionInfo(1, "Code", "openai", "m", "", None, None, None, None, None, None, None, now, now)

    def message(number: int, role: str, content: str, status: str = "complete") -> MessageInfo:
        return MessageInfo(number, 1, role, content, status, None, None, None, None, False, None, None, None, now)

    messages = [
        message(1, "user", "write code"),
        message(2, "assistant", "Sure:\n\n```python\ndef f():\n    return 1", "interrupted"),
        message(3, "user", "and ~~~ more"),
        message(4, "assistant", "````md\n```\nnested\n```\n"),
        message(5, "user", "LAST QUESTION"),
    ]
    text = to_markdown(session, messages)
    tokens = MarkdownIt("commonmark").parse(text)
    headings = [tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open"]
    assert headings == ["Code", "You", "Assistant (m)", "You", "Assistant (m)", "You"]
    assert any(t.type == "paragraph_open" for t in tokens) and "LAST QUESTION" in tokens[-2].content
    assert balance_fences("```\ncode\n```") == "```\ncode\n```"
    assert balance_fences("~~~~\nx\n~~~") == "~~~~\nx\n~~~\n~~~~"
