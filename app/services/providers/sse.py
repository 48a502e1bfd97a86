"""Server-sent events read from the lines of an HTTP body (the WHATWG "event stream" format).

Only what chat servers use: ``data:`` fields (joined with newlines when an event has several), comments
(``:``) and blank lines ending an event; ``event:``, ``id:`` and ``retry:`` are read and ignored.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable


async def sse_data(lines: AsyncIterable[str]) -> AsyncGenerator[str, None]:
    """The ``data`` of each event in ``lines`` (one line per item, without its line break). Closing this
    generator closes ``lines`` too (an HTTP body must not be left to the garbage collector)."""
    data: list[str] = []
    try:
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
    finally:
        close = getattr(lines, "aclose", None)
        if close is not None:
            await close()
