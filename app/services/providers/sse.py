"""Server-sent events read from the lines of an HTTP body (the WHATWG "event stream" format).

Only what chat servers use: ``data:`` fields (joined with newlines when an event has several), comments
(``:``) and blank lines ending an event; ``event:``, ``id:`` and ``retry:`` are read and ignored.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator


async def sse_data(lines: AsyncIterable[str]) -> AsyncIterator[str]:
    """The ``data`` of each event in ``lines`` (one line per item, without its line break)."""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:  # a last event without its blank line
        yield "\n".join(data)
