"""Reading a task description: what kind of model it needs, how hard it is, and what it must be able to do.

A pure function of the text, so recommendations can be explained and tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Complexity = Literal["simple", "moderate", "complex"]

# need -> words that signal it (matched as whole words or word starts)
_NEED_WORDS: dict[str, tuple[str, ...]] = {
    "vision": (
        "image",
        "images",
        "photo",
        "photos",
        "picture",
        "screenshot",
        "diagram",
        "chart",
        "scan",
        "ocr",
        "receipt",
        "vision",
        "see",
        "visual",
    ),
    "code": (
        "code",
        "coding",
        "program",
        "python",
        "javascript",
        "typescript",
        "rust",
        "java",
        "sql",
        "bug",
        "debug",
        "refactor",
        "function",
        "repository",
        "repo",
        "codebase",
        "api",
        "script",
        "unit test",
        "compile",
    ),
    "long-context": (
        "long document",
        "long documents",
        "book",
        "books",
        "pdf",
        "pdfs",
        "contract",
        "contracts",
        "transcript",
        "codebase",
        "whole repository",
        "entire",
        "hundreds of pages",
        "report",
        "reports",
        "long context",
    ),
    "tools": (
        "agent",
        "agents",
        "tool",
        "tools",
        "function calling",
        "api calls",
        "browse",
        "automate",
        "workflow",
    ),
    "json": ("json", "structured", "extract", "extraction", "schema", "fields", "table", "csv"),
    "reasoning": (
        "reason",
        "reasoning",
        "math",
        "proof",
        "prove",
        "logic",
        "puzzle",
        "plan",
        "planning",
        "science",
        "physics",
        "analyze",
        "analyse",
        "step by step",
    ),
    "multilingual": (
        "translate",
        "translation",
        "multilingual",
        "languages",
        "french",
        "german",
        "spanish",
        "chinese",
        "japanese",
        "arabic",
    ),
    "audio": ("audio", "speech", "podcast", "voice", "meeting recording"),
    "image-editing": (
        "edit the image",
        "edit images",
        "edit photos",
        "retouch",
        "inpaint",
        "change the background",
        "edit a photo",
        "image editing",
    ),
    "text-rendering": ("logo", "poster", "typography", "lettering", "text in the image"),
    "rag": ("rag", "retrieval", "knowledge base", "citations", "cite sources", "grounded"),
}
_IMAGE_OUT = (
    "generate an image",
    "generate images",
    "create an image",
    "make an image",
    "draw",
    "illustration",
    "illustrate",
    "logo",
    "poster",
    "artwork",
    "render",
    "wallpaper",
    "picture of",
    "photo of",
    "image of",
    "images of",
    "concept art",
    "text-to-image",
    "text to image",
)
_EMBEDDING = (
    "embedding",
    "embeddings",
    "semantic search",
    "vector",
    "vectors",
    "similarity search",
    "cluster",
    "clustering",
    "dedupe",
    "deduplicate",
    "rerank",
)
_CHEAP = (
    "cheap",
    "cheapest",
    "budget",
    "low cost",
    "inexpensive",
    "affordable",
    "free",
    "high volume",
    "millions of",
    "thousands of",
    "bulk",
)
_LOCAL = (
    "local",
    "locally",
    "offline",
    "on my machine",
    "on-device",
    "private",
    "privacy",
    "open source",
    "open-source",
    "open weights",
    "self-host",
    "self-hosted",
)
_FAST = ("fast", "quick", "quickly", "real-time", "realtime", "low latency", "instant", "autocomplete")
_COMPLEX = (
    "complex",
    "difficult",
    "hard",
    "advanced",
    "research",
    "architecture",
    "multi-step",
    "prove",
    "proof",
    "in depth",
    "in-depth",
    "thorough",
    "rigorous",
    "agent",
    "agents",
    "refactor",
    "strategy",
)
_SIMPLE = (
    "simple",
    "quick",
    "short",
    "classify",
    "classification",
    "tag",
    "label",
    "rewrite",
    "summarize a",
    "one sentence",
    "tweet",
    "spelling",
    "grammar",
    "autocomplete",
)
_DOMAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("images", _IMAGE_OUT),
    ("search", _EMBEDDING),
    ("code", _NEED_WORDS["code"]),
    ("math", ("math", "equation", "proof", "prove", "calculus", "statistics", "physics")),
    ("data", ("extract", "extraction", "csv", "table", "spreadsheet", "json", "invoice", "receipt", "data")),
    ("translation", _NEED_WORDS["multilingual"]),
    ("documents", ("pdf", "document", "documents", "contract", "report", "book", "transcript", "summarize")),
    (
        "writing",
        ("write", "writing", "essay", "blog", "story", "email", "copy", "marketing", "article", "poem"),
    ),
    ("support", ("customer", "support", "chatbot", "assistant", "faq")),
)
# "generate product images", "design a few banners": a making verb, then within a few words a picture noun
_MAKE_PICTURES = re.compile(
    r"\b(?:generate|create|make|design|produce|render|paint|draw)\b(?:\s+[\w-]+){0,4}?\s+"
    r"(?:images?|pictures?|photos?|illustrations?|art|artwork|logos?|icons?|banners?|posters?|thumbnails?|"
    r"wallpapers?|renders?|mockups?)\b"
)
_CONTEXT_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)\s*(k|m|million|thousand)?\s*(?:tokens?|context)", re.I)
_PAGES = re.compile(r"(\d+(?:,\d{3})*)[\s-]*pages?", re.I)


@dataclass(frozen=True)
class QueryAnalysis:
    kind: str  # the model kind to recommend: chat | code | image | embedding
    complexity: Complexity
    domain: str  # code, math, data, images, search, documents, writing, translation, support or general
    needs: frozenset[str]  # capabilities the model must have: vision, code, tools, json, reasoning, …
    min_context: int  # tokens the task needs in one request; 0 when it said nothing about length
    prefers_cheap: bool = False
    prefers_local: bool = False
    prefers_fast: bool = False


def _has(text: str, phrases: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(phrase)}", text) for phrase in phrases)


def _context_needed(text: str, long_context: bool) -> int:
    tokens = 0
    for number, unit, *_ in _CONTEXT_NUMBER.findall(text):
        value = float(number.replace(",", ""))
        scale = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}.get(unit.lower(), 1)
        tokens = max(tokens, int(value * scale))
    for pages in _PAGES.findall(text):
        tokens = max(tokens, int(pages.replace(",", "")) * 600)  # a dense page is about 600 tokens
    if long_context and tokens == 0:
        tokens = 128_000
    return tokens


def analyze_query(text: str) -> QueryAnalysis:
    """What a task description asks of a model. Pure: the same text always gives the same answer."""
    lowered = " ".join(text.lower().split())
    needs = {need for need, words in _NEED_WORDS.items() if _has(lowered, words)}

    if _has(lowered, _IMAGE_OUT) or _MAKE_PICTURES.search(lowered) or "image-editing" in needs:
        kind = "image"
        needs = {need for need in needs if need in ("image-editing", "text-rendering")} | {"image-generation"}
        if "image-editing" in needs:
            needs.discard("image-generation")
    elif _has(lowered, _EMBEDDING):
        kind = "embedding"
        needs = {"embeddings"} | ({"multilingual"} & needs) | ({"code"} & needs)
    elif "code" in needs:
        kind = "code"
    else:
        kind = "chat"

    complexity: Complexity = "moderate"
    if _has(lowered, _COMPLEX) or len(lowered.split()) > 60:
        complexity = "complex"
    elif _has(lowered, _SIMPLE) or len(lowered.split()) <= 4:
        complexity = "simple"
    if complexity == "complex" and kind in ("chat", "code"):
        needs.add("reasoning")

    domain = (
        "images" if kind == "image" else next((name for name, words in _DOMAINS if _has(lowered, words)), "general")
    )
    min_context = _context_needed(lowered, "long-context" in needs) if kind != "image" else 0
    if min_context >= 100_000:
        needs.add("long-context")
    return QueryAnalysis(
        kind=kind,
        complexity=complexity,
        domain=domain,
        needs=frozenset(needs),
        min_context=min_context,
        prefers_cheap=_has(lowered, _CHEAP),
        prefers_local=_has(lowered, _LOCAL),
        prefers_fast=_has(lowered, _FAST),
    )
