"""Reasoning kept apart from the answer: ``<think>…</think>`` split out of streamed content.

Local reasoning models (DeepSeek-R1 distills, Qwen3, QwQ through llama.cpp, Ollama, LM Studio) write their
thinking into the ordinary content between ``<think>`` and ``</think>`` (some use ``<thinking>``). It is
shown as the message's "Thinking" part, stored in its own column, and never sent back as history.
"""

from __future__ import annotations

import re

TAGS = (("<think>", "</think>"), ("<thinking>", "</thinking>"))
_LONGEST_TAG = max(len(tag) for pair in TAGS for tag in pair)
_BLOCK = re.compile(r"<(think|thinking)>(.*?)(?:</\1>|\Z)", re.DOTALL)


class ThinkSplitter:
    """Feeds streamed content, returns ``(answer, reasoning)`` text to append. A tag split across two
    deltas is held back until it is complete; ``flush`` returns what is still held at the end."""

    def __init__(self) -> None:
        self._held = ""
        self._closing: str | None = None  # the closing tag awaited while inside a block
        self._answered = False
        self._trim = False  # after a leading reasoning block: drop the blank lines before the answer

    def feed(self, delta: str) -> tuple[str, str]:
        text = self._held + delta
        self._held = ""
        answer: list[str] = []
        reasoning: list[str] = []
        while text:
            if self._closing is not None:
                end = text.find(self._closing)
                if end >= 0:
                    reasoning.append(text[:end])
                    text = text[end + len(self._closing) :]
                    self._closing = None
                    self._trim = not self._answered
                    continue
                keep = _partial_suffix(text, (self._closing,))
                reasoning.append(text[: len(text) - keep])
                self._held = text[len(text) - keep :]
                break
            start, pair = _first_open(text)
            if pair is not None:
                answer.append(self._answer(text[:start]))
                text = text[start + len(pair[0]) :]
                self._closing = pair[1]
                continue
            keep = _partial_suffix(text, tuple(open_tag for open_tag, _ in TAGS))
            answer.append(self._answer(text[: len(text) - keep]))
            self._held = text[len(text) - keep :]
            break
        return "".join(answer), "".join(reasoning)

    def _answer(self, text: str) -> str:
        """Answer text; the blank lines between a leading reasoning block and the answer are dropped."""
        if self._trim:
            text = text.lstrip()
            self._trim = not text
        self._answered = self._answered or bool(text)
        return text

    def flush(self) -> tuple[str, str]:
        held, self._held = self._held, ""
        return ("", held) if self._closing is not None else (self._answer(held), "")

    @property
    def thinking(self) -> bool:
        """Whether the stream is inside a reasoning block now."""
        return self._closing is not None


def _first_open(text: str) -> tuple[int, tuple[str, str] | None]:
    best: tuple[int, tuple[str, str] | None] = (len(text), None)
    for pair in TAGS:
        found = text.find(pair[0])
        if 0 <= found < best[0]:
            best = (found, pair)
    return best


def _partial_suffix(text: str, tags: tuple[str, ...]) -> int:
    """How many characters at the end of ``text`` could be the start of one of ``tags``."""
    for size in range(min(len(text), _LONGEST_TAG - 1), 0, -1):
        tail = text[-size:]
        if any(tag.startswith(tail) for tag in tags):
            return size
    return 0


def split_think(text: str) -> tuple[str, str]:
    """``(answer, reasoning)`` of a whole text: every ``<think>`` block moved out (an unclosed one runs to
    the end). Used for stored or imported messages that still carry the tags."""
    if "<think" not in text:
        return text, ""
    reasoning = [match.group(2).strip() for match in _BLOCK.finditer(text)]
    answer = _BLOCK.sub("", text).strip()
    return answer, "\n\n".join(part for part in reasoning if part)
