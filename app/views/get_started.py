"""The "Get started" card above the places: what works now, and three one-click ways to a first answer.

It only shows ``GetStartedController``'s state and forwards clicks; the controller decides when it shows.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from app.services.get_started import GetStartedController, Step
from app.views.theme import PALETTE
from app.views.widgets.icons import icon
from app.views.widgets.notice_label import NoticeLabel


class StepTile(QFrame):
    """One way: its title, what it says now (✓ when done) and its one button."""

    def __init__(self, step: Step, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = step.key
        self.setProperty("role", "step")
        self.setObjectName(f"get-started-{step.key}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        self.title = QLabel()
        self.title.setProperty("role", "subtitle")
        self.text = NoticeLabel()
        self.text.setProperty("role", "muted")
        self.button = QPushButton()
        self.button.setProperty("kind", "primary")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        layout.addLayout(row)
        self.show_step(step)

    def set_compact(self, compact: bool) -> None:
        """In a short window only the title and the button show; the text moves to the tooltip."""
        self.text.setVisible(not compact)
        self.setToolTip(self.text.text() if compact else "")

    def show_step(self, step: Step) -> None:
        self.title.setText(("✓ " if step.done else "") + step.title)
        self.text.setText(step.text)
        if not self.text.isVisibleTo(self) and self.toolTip():
            self.setToolTip(step.text)
        self.text.setProperty("role", "success" if step.done else "muted")
        self.button.setText(step.action)
        self.button.setEnabled(not step.busy)
        self.button.setProperty("kind", "ghost" if step.done else "primary")
        self.button.setAccessibleName(f"{step.title}: {step.action}")
        self.setProperty("done", "true" if step.done else "false")
        for widget in (self, self.text, self.button):
            widget.style().unpolish(widget)
            widget.style().polish(widget)


class GetStartedCard(QFrame):
    def __init__(self, controller: GetStartedController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("GetStarted")
        self.setAccessibleName("Get started")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 10, 10, 12)
        outer.setSpacing(6)
        top = QHBoxLayout()
        title = QLabel("Get started")
        title.setProperty("role", "subtitle")
        self.summary = NoticeLabel()
        self.summary.setProperty("role", "muted")
        self.close_button = QToolButton()
        self.close_button.setProperty("kind", "ghost")
        self.close_button.setIcon(icon("close", PALETTE.muted))
        self.close_button.setIconSize(QSize(16, 16))
        self.close_button.setToolTip("Close (Help → Get started shows it again)")
        self.close_button.setAccessibleName("Close Get started")
        self.close_button.clicked.connect(controller.close)
        top.addWidget(title, 1)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        outer.addWidget(self.summary)
        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        self.tiles: dict[str, StepTile] = {}
        for step in controller.steps():
            tile = StepTile(step)
            tile.button.clicked.connect(lambda _checked=False, key=step.key: self._clicked(key))
            tiles.addWidget(tile, 1)
            self.tiles[step.key] = tile
        outer.addLayout(tiles)
        controller.changed.connect(self.refresh)
        self.refresh()

    def set_compact(self, compact: bool) -> None:
        """A short window keeps the card to its titles and buttons, leaving the place its room."""
        for tile in self.tiles.values():
            tile.set_compact(compact)

    def _clicked(self, key: str) -> None:
        step = next(step for step in self.controller.steps() if step.key == key)
        if key == "local" and step.done:
            self.controller.open_chat()
        else:
            self.controller.run(key)

    def refresh(self) -> None:
        self.setVisible(self.controller.visible)
        self.summary.setText(self.controller.summary())
        for step in self.controller.steps():
            self.tiles[step.key].show_step(step)
