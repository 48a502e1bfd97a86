"""Methods that Qt calls (delegate ``paint``/``sizeHint``, model ``data``/``rowCount``…) must never raise.

PySide6 cannot hand an exception raised inside a C++ virtual back to Qt: it prints it and the program may
abort (a delegate's ``paint`` that raises on every frame ends the app). ``qt_guarded`` wraps such a method:
an exception is logged (with its traceback the first time per method and exception type, then briefly)
and the method returns ``default``, or what ``fallback`` returns (say, a painted "could not be shown").
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
FALLBACK_TEXT = "This item could not be shown (the error is in the log)."
_SEEN_ATTRIBUTE = "_qt_guard_seen"
GUARD_MARK = "__qt_guarded__"  # set on every wrapped method; tests walk the views for unmarked Qt overrides


def report(owner: object, name: str, error: Exception) -> None:
    """Logs ``error`` from ``name`` on ``owner``: with its traceback once per (name, type), then briefly."""
    _report(owner, name, error)


def _report(owner: object, name: str, error: Exception) -> None:
    seen: set[tuple[str, str]] | None = getattr(owner, _SEEN_ATTRIBUTE, None)
    if seen is None:
        seen = set()
        with contextlib.suppress(AttributeError):  # an object with __slots__: logged every time
            setattr(owner, _SEEN_ATTRIBUTE, seen)
    key = (name, type(error).__name__)
    if key in seen:
        log.debug("%s failed again: %s", name, error)
        return
    seen.add(key)
    log.error("%s raised inside a Qt callback; showing a fallback", name, exc_info=error)


def is_guarded(method: Any) -> bool:
    """Whether ``method`` was wrapped by ``qt_guarded``."""
    return bool(getattr(method, GUARD_MARK, False))


def qt_guarded(default: Any = None, fallback: Callable[..., Any] | None = None) -> Callable[[F], F]:
    """Decorator for a method Qt calls: exceptions are logged and ``fallback(self, *args)`` or ``default``
    is returned instead. A failing fallback is logged too and ``default`` is returned."""

    def wrap(method: F) -> F:
        name = method.__qualname__

        @functools.wraps(method)
        def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except Exception as error:  # an escaping exception would kill the app
                _report(self, name, error)
                if fallback is not None:
                    try:
                        return fallback(self, *args, **kwargs)
                    except Exception as second:
                        _report(self, f"{name} (fallback)", second)
                return default

        setattr(guarded, GUARD_MARK, True)
        return guarded  # type: ignore[return-value]

    return wrap


def paint_fallback(_delegate: Any, painter: QPainter, option: Any, _index: Any) -> None:
    """The fallback of a delegate's ``paint``: a muted one-line notice in the item's rectangle."""
    rect: QRect = option.rect
    # Whatever state the failed paint left on the painter's stack is unwound by the caller's save/restore.
    painter.save()
    try:
        painter.setPen(QColor("#a1a1aa"))
        painter.drawText(rect.adjusted(12, 4, -12, -4), int(Qt.AlignmentFlag.AlignVCenter), FALLBACK_TEXT)
    finally:
        painter.restore()
