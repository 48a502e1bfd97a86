"""Reasoning kept apart from the answer: ``<think>…</think>`` split out of streamed content.

Local reasoning models (DeepSeek-R1 distills, Qwen3, QwQ through llama.cpp, Ollama, LM Studio) write their
thinking into the ordinary content between ``<think>`` and ``</think>`` (some use ``<thinking>``). It is
shown as the message's "Thinking" part, stored in its own column, and never sent back as history.

Some chat templates put the opening ``<think>`` into the prompt (Qwen3 and DeepSeek-R1 distills served by
llama.cpp or LM Studio with their default template), so the stream starts with the thinking and only the
``</think>`` arrives. A closing tag before any opening one therefore ends reasoning that began with the reply:
everything before it is reasoning, and what was already passed on as answer is taken back (``Split.retract``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

TAGS = (("<think>", "</think>"), ("<thinking>", "</thinking>"))
_LONGEST_TAG = max(len(tag) for pair in TAGS for tag in pair)
_BLOCK = re.compile(r"<(think|thinking)>(.*?)(?:</\1>|\Z)", re.DOTALL)
_CLOSING_TAGS = tuple(closing for _, closing in TAGS)


class Split(NamedTuple):
    """What one fed delta adds: ``answer`` and ``reasoning`` text to append, after first moving the last
    ``retract`` characters of the answer passed on so far to the end of the reasoning (an orphan
    ``</think>`` showed they were thinking)."""

    answer: str
    reasoning: str
    retract: int = 0


class ThinkSplitter:
    """Feeds streamed content, returns a ``Split`` of it. A tag split across two deltas is held back until
    it is complete; ``flush`` returns what is still held at the end."""

    def __init__(self) -> None:
        self._held = ""
        self._closing: str | None = None  # the closing tag awaited while inside a block
        self._answered = False
        self._trim = False  # after a leading reasoning block: drop the blank lines before the answer
        self._tagged = False  # a tag was seen: a later orphan closing tag is only text
        self._passed = 0  # characters passed on as answer so far (what an orphan closing tag takes back)

    def feed(self, delta: str) -> Split:
        text = self._held + delta
        self._held = ""
        answer: list[str] = []
        reasoning: list[str] = []
        retract = 0
        while text:
            if not self._tagged:
                orphan = _first_of(text, _CLOSING_TAGS)
                opening = _first_open(text)[0]
                if orphan is not None and orphan[0] < opening:
                    # Reasoning that began with the reply: all of it so far, this delta's part included.
                    self._tagged = True
                    retract, self._passed, self._answered = self._passed, 0, False
                    reasoning.append("".join(answer) + text[: orphan[0]])
                    answer.clear()
                    text = text[orphan[0] + len(orphan[1]) :]
                    self._trim = True
                    continue
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
                self._tagged = True
                answer.append(self._answer(text[:start]))
                text = text[start + len(pair[0]) :]
                self._closing = pair[1]
                continue
            watched = tuple(open_tag for open_tag, _ in TAGS) + (() if self._tagged else _CLOSING_TAGS)
            keep = _partial_suffix(text, watched)
            answer.append(self._answer(text[: len(text) - keep]))
            self._held = text[len(text) - keep :]
            break
        return Split("".join(answer), "".join(reasoning), retract)

    def _answer(self, text: str) -> str:
        """Answer text; the blank lines between a leading reasoning block and the answer are dropped."""
        if self._trim:
            text = text.lstrip()
            self._trim = not text
        self._answered = self._answered or bool(text)
        self._passed += len(text)
        return text

    def flush(self) -> Split:
        held, self._held = self._held, ""
        return Split("", held) if self._closing is not None else Split(self._answer(held), "")

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


def _first_of(text: str, tags: tuple[str, ...]) -> tuple[int, str] | None:
    found = [(text.find(tag), tag) for tag in tags if tag in text]
    return min(found) if found else None


def _partial_suffix(text: str, tags: tuple[str, ...]) -> int:
    """How many characters at the end of ``text`` could be the start of one of ``tags``."""
    for size in range(min(len(text), _LONGEST_TAG - 1), 0, -1):
        tail = text[-size:]
        if any(tag.startswith(tail) for tag in tags):
            return size
    return 0


def split_think(text: str) -> tuple[str, str]:
    """``(answer, reasoning)`` of a whole text: every ``<think>`` block moved out (an unclosed one runs to
    the end), and before the first tag a closing one without an opening ends reasoning that began the text.
    Used for stored or imported messages that still carry the tags."""
    if "</think" not in text and "<think" not in text:
        return text, ""
    reasoning: list[str] = []
    orphan = _first_of(text, _CLOSING_TAGS)
    if orphan is not None and orphan[0] < _first_open(text)[0]:
        reasoning.append(text[: orphan[0]].strip())
        text = text[orphan[0] + len(orphan[1]) :]
    reasoning += [match.group(2).strip() for match in _BLOCK.finditer(text)]
    answer = _BLOCK.sub("", text).strip()
    return answer, "\n\n".join(part for part in reasoning if part)
