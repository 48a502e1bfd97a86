"""Qt enums by name, for what is built before the first paint.

PySide builds its whole ``Qt`` namespace (every ``Qt.*`` enum, ~15 ms) the first time anything reads
``PySide6.QtCore.Qt``. The window's shell sets its few enum properties by key name through Qt's own
property system instead, so that cost falls after the first paint; a test holds start-up to that.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def set_enum_property(target: QObject, name: str, key: str) -> None:
    """Set the enum or flag property ``name`` of ``target`` to ``key``, a key name such as ``"NoFocus"``
    or, for flags, ``"AlignLeft|AlignVCenter"``, without touching PySide's ``Qt`` namespace.

    Raises ``ValueError`` when ``target`` has no such enum property or the enum has no such key, and
    ``RuntimeError`` when Qt refuses the write (a plain ``setProperty`` would have made a dynamic
    property, or returned False, silently).
    """
    meta = target.metaObject()
    index = meta.indexOfProperty(name)
    if index < 0:
        raise ValueError(f"{meta.className()} has no property {name!r}")
    prop = meta.property(index)
    if not prop.isEnumType():
        raise ValueError(f"{meta.className()}.{name} is not an enum property")
    enum = prop.enumerator()
    # PySide's stubs say bytes, but the binding takes str (and refuses bytes)
    convert = enum.keysToValue if enum.isFlag() else enum.keyToValue
    converted = convert(key)  # type: ignore[arg-type]
    # PySide returns (value, ok); a value of -1 alone means "no such key" in older bindings
    ok = converted[1] if isinstance(converted, tuple) else converted != -1
    if not ok:
        keys = ", ".join(str(enum.key(i)) for i in range(enum.keyCount()))
        raise ValueError(f"{meta.className()}.{name}: {key!r} is not one of {keys}")
    if not target.setProperty(name, key):
        raise RuntimeError(f"Qt refused {meta.className()}.{name} = {key!r}")


def qt_namespace_built() -> bool:
    """Whether anything in this process has read ``PySide6.QtCore.Qt`` yet (PySide builds it lazily)."""
    module = sys.modules.get("PySide6.QtCore")
    return module is not None and "Qt" in vars(module)
