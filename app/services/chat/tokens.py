"""Token estimates for replies whose server reports no usage (shown with "≈").

tiktoken fetches its BPE files from the internet on first use, which may be impossible (offline, firewalls)
and can hang. So the ``cl100k_base`` table ships in ``resources/tokenizers/`` and is read with tiktoken's
own loader (``tiktoken.load.load_tiktoken_bpe``, which checks its hash); nothing is downloaded. Without it
(or for an unknown encoding) the estimate is one token per four characters, the usual rule of thumb for
English text. Loading takes ~0.1 s, so call ``count`` off the UI thread.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# resources/ is a package beside app/ (as in app/views/theme.py)
TOKENIZERS_DIR = Path(__file__).resolve().parents[3] / "resources" / "tokenizers"
DEFAULT_ENCODING = "cl100k_base"
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class BundledEncoding:
    """A tiktoken encoding whose BPE table is a file in ``resources/tokenizers/``. The pattern, special
    tokens and hash are tiktoken's own (``tiktoken_ext/openai_public.py``)."""

    name: str
    sha256: str
    pat_str: str
    special_tokens: dict[str, int] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return TOKENIZERS_DIR / f"{self.name}.tiktoken"

    def build(self) -> Any:
        """A ``tiktoken.Encoding``; raises ``ValueError`` on a file whose hash differs, ``OSError`` if absent."""
        import tiktoken
        from tiktoken.load import load_tiktoken_bpe

        ranks = load_tiktoken_bpe(str(self.path), expected_hash=self.sha256)
        return tiktoken.Encoding(
            self.name, pat_str=self.pat_str, mergeable_ranks=ranks, special_tokens=self.special_tokens
        )


BUNDLED: dict[str, BundledEncoding] = {
    "cl100k_base": BundledEncoding(
        "cl100k_base",
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pat_str=(
            r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
            r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
        ),
        special_tokens={
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
}


class TokenEstimator:
    """Counts tokens with a bundled encoding, or estimates chars/4 when it cannot be loaded. Thread-safe."""

    def __init__(self, encoding_name: str = DEFAULT_ENCODING) -> None:
        self._encoding_name = encoding_name
        self._encoding: Any = None
        self._loaded = False
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if not self._loaded:
                self._loaded = True
                bundled = BUNDLED.get(self._encoding_name)
                if bundled is None:
                    log.info("token encoding %s is not bundled; estimating chars/4", self._encoding_name)
                    return None
                try:
                    self._encoding = bundled.build()
                except Exception as error:  # a broken install must never break a chat
                    log.warning("could not load token encoding %s: %s", self._encoding_name, error)
            return self._encoding

    @property
    def method(self) -> str:
        return "tiktoken" if self._load() is not None else "chars/4"

    def count(self, text: str) -> int:
        if not text:
            return 0
        encoding = self._load()
        if encoding is not None:
            return len(encoding.encode(text, disallowed_special=()))
        return math.ceil(len(text) / CHARS_PER_TOKEN)
