"""PNG text chunks read by hand, so that metadata never decides whether an image can be imported.

Pillow refuses a whole PNG when one text chunk decompresses past ``PngImagePlugin.MAX_TEXT_CHUNK`` (1 MB;
ComfyUI's ``workflow`` zTXt is often larger). Here each ``tEXt``/``zTXt``/``iTXt`` chunk (PNG spec §11.3.4)
is read on its own with its own size limit — one that is damaged or too big is dropped alone — and
``without_text`` gives Pillow the same PNG minus its text chunks to check and decode the pixels.
"""

from __future__ import annotations

import logging
import re
import struct
import zlib
from collections.abc import Iterator

log = logging.getLogger(__name__)

SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEXT_TYPES = frozenset({b"tEXt", b"zTXt", b"iTXt"})
MAX_TEXT_BYTES = 32 * 1024 * 1024  # per chunk, after decompression
MAX_KEYWORD = 79  # PNG spec: keywords are 1–79 bytes
# C0/C1 control characters other than tab, line feed and carriage return, and U+FFFD (what undecodable
# bytes become): a value holding any of them is binary junk, not text a person wrote.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


def is_text(value: str) -> bool:
    """Whether ``value`` reads as text: no control characters but tab, line feed and carriage return, and
    no U+FFFD replacement characters (left where bytes could not be decoded)."""
    return _NOT_TEXT.search(value) is None


def _decode_latin1_chunk(raw: bytes) -> str:
    """A tEXt/zTXt value: the PNG spec says Latin-1, but many tools (AUTOMATIC1111 forks, ComfyUI nodes)
    write UTF-8 there, so valid UTF-8 is read as UTF-8 and anything else as Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def is_png(data: bytes) -> bool:
    return data.startswith(SIGNATURE)


def chunks(data: bytes) -> Iterator[tuple[bytes, bytes, bytes]]:
    """(type, payload, the raw chunk bytes) of each chunk until IEND or the data ends; a truncated last
    chunk is not yielded."""
    position = len(SIGNATURE)
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            return
        yield kind, data[position + 8 : position + 8 + length], data[position:end]
        if kind == b"IEND":
            return
        position = end


def _inflate(compressed: bytes, limit: int) -> bytes | None:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, limit)
    except zlib.error:
        return None
    return None if inflater.unconsumed_tail else out


def _text_of(kind: bytes, payload: bytes, limit: int) -> tuple[str, str] | None:
    keyword, separator, rest = payload.partition(b"\x00")
    if not separator or not 1 <= len(keyword) <= MAX_KEYWORD:
        return None
    key = keyword.decode("latin-1")
    if kind == b"tEXt":
        return (key, _decode_latin1_chunk(rest)) if len(rest) <= limit else None
    if kind == b"zTXt":
        if not rest or rest[0] != 0:  # method 0 (deflate) is the only one defined
            return None
        inflated = _inflate(rest[1:], limit)
        return None if inflated is None else (key, _decode_latin1_chunk(inflated))
    # iTXt: compression flag, method, language tag \0, translated keyword \0, UTF-8 text
    if len(rest) < 2:
        return None
    flag, method, tail = rest[0], rest[1], rest[2:]
    _language, found, tail = tail.partition(b"\x00")
    _translated, found_too, text = tail.partition(b"\x00")
    if not (found and found_too):
        return None
    if flag == 1:
        if method != 0:
            return None
        inflated = _inflate(text, limit)
        if inflated is None:
            return None
        text = inflated
    elif len(text) > limit:
        return None
    return key, text.decode("utf-8", errors="replace")


def read_text(data: bytes, limit: int = MAX_TEXT_BYTES) -> dict[str, str]:
    """Every readable text chunk of the PNG in ``data`` (the first of a repeated keyword wins); chunks
    that are damaged, decompress past ``limit`` bytes or hold binary junk rather than text (``is_text``)
    are left out. Empty for data that is not a PNG."""
    if not is_png(data):
        return {}
    found: dict[str, str] = {}
    for kind, payload, _raw in chunks(data):
        if kind not in TEXT_TYPES:
            continue
        try:
            item = _text_of(kind, payload, limit)
        except (ValueError, IndexError) as error:  # defensive: one bad chunk never spoils the rest
            log.debug("unreadable %s chunk: %s", kind, error)
            item = None
        if item is None or not is_text(item[0]) or not is_text(item[1]):
            log.info("dropped an unreadable, oversized or binary %s chunk", kind.decode())
            continue
        found.setdefault(item[0], item[1])
    return found


def without_text(data: bytes) -> bytes:
    """The PNG in ``data`` with its text chunks removed (everything else byte for byte)."""
    if not is_png(data):
        return data
    parts = [SIGNATURE]
    consumed = len(SIGNATURE)
    for kind, _payload, raw in chunks(data):
        consumed += len(raw)
        if kind not in TEXT_TYPES:
            parts.append(raw)
    parts.append(data[consumed:])  # a truncated tail stays, so Pillow still reports the damage
    return b"".join(parts)
