"""Every method Qt calls on an item model or delegate under ``app/views`` is wrapped by ``qt_guarded``.

An exception escaping a C++ virtual kills PySide (issue 10), so the rule is checked for the whole kind: the
views are walked, and every Python override of a Qt method on a model or delegate class must be guarded.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemDelegate, QStyledItemDelegate

import app.views
from app.views.widgets.qt_guard import is_guarded, qt_guarded

QT_ITEM_BASES = (QAbstractItemModel, QAbstractItemDelegate)


def _qt_base(cls: type) -> type:
    """The nearest class in ``cls``'s ancestry that PySide defines (whose methods are Qt's)."""
    return next(base for base in cls.__mro__ if base.__module__.startswith("PySide6"))


def unguarded_methods(cls: type) -> list[str]:
    """Names of ``cls``'s own methods that override a Qt method and are not wrapped by ``qt_guarded``."""
    qt = _qt_base(cls)
    found = []
    for name, value in vars(cls).items():
        if name.startswith("__") or not inspect.isfunction(value) or not hasattr(qt, name):
            continue
        if not is_guarded(value):
            found.append(name)
    return found


def item_classes() -> list[type]:
    """Every item model and delegate class defined in a module under ``app/views``."""
    classes: list[type] = []
    for module_info in pkgutil.walk_packages(app.views.__path__, "app.views."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, QT_ITEM_BASES):
                classes.append(cls)
    return classes


def test_the_walk_finds_the_item_models_and_delegates_of_every_place() -> None:
    names = {cls.__name__ for cls in item_classes()}
    assert {"MessageListModel", "MessageDelegate", "CatalogListModel", "CardDelegate"} <= names
    assert {"GalleryListModel", "GalleryDelegate"} <= names


@pytest.mark.parametrize("cls", item_classes(), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_qt_called_method_of_a_view_model_or_delegate_is_guarded(cls: type) -> None:
    assert unguarded_methods(cls) == [], f"{cls.__name__}: wrap these in qt_guarded"


def test_the_check_catches_an_unguarded_override_and_ignores_own_helpers(qapp: Any) -> None:
    class Careless(QAbstractListModel):
        def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
            return 1

        @qt_guarded()
        def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
            raise RuntimeError("broken")

        def helper(self) -> int:  # not a Qt method: Qt never calls it
            return 2

    class Sloppy(QStyledItemDelegate):
        def sizeHint(self, option: Any, index: Any) -> Any:
            return None

    assert unguarded_methods(Careless) == ["rowCount"]
    assert unguarded_methods(Sloppy) == ["sizeHint"]
    assert Careless().data(Careless().index(0)) is None  # the guard answers instead of raising
