"""``ast.parse`` that is safe from several threads at once.

CPython 3.11's ``ast`` module keeps the recursion depth of its C-to-Python conversion in interpreter-wide
state, so two threads parsing at once can fail with "SystemError: AST constructor recursion depth mismatch"
(seen in CI: the cache database and the embedded Studio API read their migration files at the same start-up).
Every parse in the server goes through ``parse``, which makes them take turns.
"""

from __future__ import annotations

import ast
import threading

_PARSE_LOCK = threading.Lock()


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(source, filename)`` under the process's one parse lock. Raises ``SyntaxError`` as it does."""
    with _PARSE_LOCK:
        return ast.parse(source, filename=filename)
