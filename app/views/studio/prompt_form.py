"""The prompt form: prompt (with Enhance), negative prompt, model, size, aspect, count, seed, Generate.

Only what the chosen model supports is offered. The Generate button carries the cost when billing is on
and says why it is disabled (no prompt, not connected, credits short).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.services.clients.studio_types import ImageModel, ImageRequest, ModelTable
from app.services.gallery import GalleryRecord
from app.services.studio.engines import FixAction, fix_action
from app.views.studio.model_list import ModelList
from app.views.studio.references import ReferencePicker
from app.views.studio.widgets import CountPicker
from app.views.widgets.focus import arrows_move_within
from app.views.widgets.icons import icon
from app.views.widgets.notice_label import NoticeLabel
from modal_app.contract import MAX_PROMPT

MAX_SEED = 2**32 - 1
NEGATIVE_PLACEHOLDER = "What to leave out (optional)"
SIZE_LABELS = {"1K": "1K · standard", "2K": "2K · high", "4K": "4K · ultra"}


@dataclass
class Availability:
    connected: bool = False
    connection_message: str = "Connecting to the Studio API…"
    billing: bool = False
    available: int = 0


class PromptForm(QFrame):
    generate_requested = Signal(object)  # ImageRequest
    enhance_requested = Signal(str)
    buy_credits_requested = Signal()
    use_cloud_requested = Signal()
    fix_requested = Signal(object)  # FixAction: make the chosen model ready (add a key, download, set up)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self._models = ModelTable.empty()
        self._availability = Availability()
        self._enhance_reason = "Set up a chat model in Settings to enhance prompts."
        self._enhancing = False

        title = QLabel("Create")
        title.setProperty("role", "subtitle")
        self.prompt = QPlainTextEdit()
        self.prompt.setAccessibleName("Prompt")
        self.prompt.setPlaceholderText("Describe the image: subject, setting, light, style…")
        self.prompt.setTabChangesFocus(True)
        self.prompt.setMinimumHeight(84)
        self.prompt.setMaximumHeight(112)
        self.enhance = QPushButton(icon("sparkles"), "Enhance")
        self.enhance.setProperty("kind", "ghost")
        self.enhance_note = QLabel()
        self.enhance_note.setProperty("role", "muted")
        self.enhance_note.setWordWrap(True)
        enhance_row = QHBoxLayout()
        enhance_row.addWidget(self.enhance_note, 1)
        enhance_row.addWidget(self.enhance)
        self.negative = QLineEdit(placeholderText=NEGATIVE_PLACEHOLDER)
        self.negative.setAccessibleName("Negative prompt")
        self.negative.setMaxLength(MAX_PROMPT)

        self.model = ModelList()
        self.size_choice = QComboBox()
        self.size_choice.setAccessibleName("Image size")
        self.aspect = QComboBox()
        self.aspect.setAccessibleName("Aspect ratio")
        for combo in (self.size_choice, self.aspect):
            # Filled when the models arrive, after the form shows: Qt's cached minimum (measured empty) would let
            # the narrow column squeeze "1K · standard" under the arrow; the full width is the least it takes.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setSizePolicy(QSizePolicy.Policy.Minimum, combo.sizePolicy().verticalPolicy())
        # The column is narrow: the model box's width never follows its longest row (the closed box elides).
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(12)
        self.count = CountPicker()
        self.seed_random = QPushButton("Random")
        self.seed_random.setAccessibleName("Random seed")
        self.seed_fixed = QPushButton("Fixed")
        self.seed_fixed.setAccessibleName("Fixed seed")
        self.seed_group = QButtonGroup(self)
        for button in (self.seed_random, self.seed_fixed):
            button.setCheckable(True)
            button.setProperty("kind", "ghost")
            self.seed_group.addButton(button)
        arrows_move_within(self.seed_group)
        self.seed_random.setChecked(True)
        self.seed = QLineEdit(str(random.randint(0, 999_999)))
        self.seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{1,10}"), self.seed))
        self.seed.setPlaceholderText("0 – 4294967295")
        self.seed.setAccessibleName("Seed")
        self.seed.setEnabled(False)
        seed_row = QHBoxLayout()
        seed_row.setSpacing(6)
        seed_row.addWidget(self.seed_random)
        seed_row.addWidget(self.seed_fixed)
        seed_row.addWidget(self.seed, 1)

        form = QFormLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.addRow("Negative", self.negative)
        form.addRow("Model", self.model)
        self.references = ReferencePicker()
        form.addRow("References", self.references)
        self.references.problem.connect(lambda message: self.show_problem(message))
        # one row each: side by side, "1K · standard" and "16:9" whole did not fit the 340-px column
        form.addRow("Size", self.size_choice)
        form.addRow("Aspect", self.aspect)
        form.addRow("Images", self.count)
        form.addRow("Seed", seed_row)

        self.generate = QPushButton("Generate")
        self.generate.setProperty("kind", "primary")
        self.generate.setMinimumHeight(38)
        self.generate.setToolTip("Generate (Ctrl+Enter)")
        self.reason = NoticeLabel()  # wraps at spaces, elides a long path or name: never widens the form
        self.reason.setProperty("role", "muted")
        self.problem = NoticeLabel()
        self.problem.setProperty("role", "error")
        self.problem.hide()
        self.buy = QPushButton("Buy credits")
        self.buy.setProperty("kind", "link")
        self.buy.hide()
        self.use_cloud = QPushButton("Use the cloud")
        self.use_cloud.setProperty("kind", "link")
        self.use_cloud.setToolTip("Open Settings → Connection to sign in to the Amethyst cloud")
        self.use_cloud.hide()
        reason_row = QHBoxLayout()
        reason_row.addWidget(self.reason, 1)
        reason_row.addWidget(self.use_cloud, 0, Qt.AlignmentFlag.AlignTop)
        self.fix = QPushButton()
        self.fix.setProperty("kind", "link")
        self.fix.hide()
        self._fix: FixAction | None = None
        self.fix.clicked.connect(lambda: self._fix and self.fix_requested.emit(self._fix))
        reason_row.addWidget(self.fix, 0, Qt.AlignmentFlag.AlignTop)
        problem_row = QHBoxLayout()
        problem_row.addWidget(self.problem, 1)
        problem_row.addWidget(self.buy, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(self.prompt)
        layout.addLayout(enhance_row)
        layout.addLayout(form)
        layout.addSpacing(4)
        layout.addWidget(self.generate)
        layout.addLayout(reason_row)
        layout.addLayout(problem_row)

        self.model.currentIndexChanged.connect(self._model_changed)
        self.model.download_changed.connect(self._update_generate)
        for signal in (self.size_choice.currentIndexChanged, self.count.valueChanged, self.prompt.textChanged):
            signal.connect(self._update_generate)
        self.seed_fixed.toggled.connect(self.seed.setEnabled)
        self.generate.clicked.connect(self._generate)
        self.enhance.clicked.connect(lambda: self.enhance_requested.emit(self.prompt.toPlainText()))
        self.prompt.textChanged.connect(self._update_enhance)
        self.buy.clicked.connect(self.buy_credits_requested)
        self.use_cloud.clicked.connect(self.use_cloud_requested)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self._generate)
        self.set_enhancer_available(False, self._enhance_reason)
        self._update_generate()

    # --- models and availability -------------------------------------------------------------------
    def set_models(self, table: ModelTable) -> None:
        self._models = table
        self.model.fill(table)
        self._model_changed()

    def select_model(self, model_id: str) -> bool:
        index = self.model.findData(model_id)
        if index >= 0:
            self.model.setCurrentIndex(index)
        return index >= 0

    def _model_changed(self) -> None:
        model = self._models.get(self.model.currentData() or "")
        sizes = model.sizes if model else ()
        aspects = model.aspect_ratios if model else ()
        self._refill(self.size_choice, [(SIZE_LABELS.get(size, size), size) for size in sizes])
        self._refill(self.aspect, [(aspect, aspect) for aspect in aspects])
        self._update_negative(model)
        limit = model.max_reference_images if model else 0
        self.references.set_limit(limit, model.name if model else "")
        self._update_generate()

    def _update_negative(self, model: ImageModel | None) -> None:
        """The negative prompt is offered only for models it steers; for others it says why not."""
        supported = model is None or model.negative_prompt
        self.negative.setEnabled(supported)
        if supported:
            self.negative.setToolTip("Things the image should not show; sent with the prompt")
            self.negative.setPlaceholderText(NEGATIVE_PLACEHOLDER)
        else:
            reason = f"{model.name} ignores negative prompts (it is guidance-distilled)" if model else ""
            self.negative.setToolTip(reason)
            self.negative.setPlaceholderText(f"Not used by {model.name}" if model else "")

    def negative_supported(self) -> bool:
        model = self._models.get(self.model.currentData() or "")
        return model is not None and model.negative_prompt

    @staticmethod
    def _refill(combo: QComboBox, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for label, value in items:
            combo.addItem(label, value)
        index = combo.findData(current)
        combo.setCurrentIndex(index if index >= 0 else 0)
        combo.blockSignals(False)

    def set_availability(self, availability: Availability) -> None:
        self._availability = availability
        self._update_generate()

    def cost(self) -> int:
        """What the server will reserve for the current choice: read from its image-model table, never
        computed here (0 while no model is chosen)."""
        size = self.size_choice.currentData() or ""
        return self._models.cost(self.model.currentData() or "", size, self.count.value()) or 0

    def _update_generate(self) -> None:
        info = self._availability
        cost = self.cost() if info.billing else 0
        self.generate.setText(f"Generate · {cost} credit{'s' if cost != 1 else ''}" if info.billing else "Generate")
        reason = ""
        compute_down = info.connected and not self._models.compute_ready
        chosen = self._models.get(self.model.currentData() or "")
        self._fix = None
        if not info.connected:
            reason = info.connection_message
        elif (
            chosen is not None and not chosen.ready and (percent := self.model.download_percent(chosen.id)) is not None
        ):
            reason = f"{chosen.name} is downloading ({percent} %); it is ready when the download finishes."
            self._fix = FixAction("Show progress", "settings", "studio", chosen.id)
        elif chosen is not None and not chosen.ready and not (compute_down and chosen.fix in ("", "settings")):
            reason = f"{chosen.name}: {chosen.reason}."
            self._fix = fix_action(chosen.fix)
        elif compute_down:  # nothing can run: say how to enable each engine, not one model's set-up detail
            message = self._models.compute_message or "This Studio API cannot make images right now."
            reason = message[:1].upper() + message[1:] + "."
        elif self.model.model_count() == 0:
            reason = "No image models are available on this Studio API."
        elif not (prompt := _clean(self.prompt.toPlainText())):
            reason = "Write a prompt to generate."
        elif len(prompt) > MAX_PROMPT:
            reason = f"The prompt is {len(prompt):,} characters; the Studio takes at most {MAX_PROMPT:,}."
        elif info.billing and cost > info.available:
            reason = f"Not enough credits: this needs {cost}, you have {info.available}."
        self.generate.setEnabled(not reason)
        self.reason.setText(reason or self._hint())
        self.reason.setProperty("role", "warning" if compute_down else "muted")
        self.reason.style().unpolish(self.reason)
        self.reason.style().polish(self.reason)
        self.use_cloud.setVisible(compute_down and self._fix is None)
        self.fix.setVisible(self._fix is not None)
        if self._fix is not None:
            self.fix.setText(self._fix.label)
            self.fix.setToolTip(f"Open Settings to {self._fix.label.lower()}")
        self.buy.setVisible(bool(info.billing and info.connected and cost > info.available) or self.problem.isVisible())

    def _hint(self) -> str:
        if self._availability.billing:
            return f"{self._availability.available} credits available · Ctrl+Enter to generate"
        return "Free on this computer · Ctrl+Enter to generate"

    # --- enhance -----------------------------------------------------------------------------------
    def set_enhancer_available(self, available: bool, reason: str = "") -> None:
        self._enhance_reason = "" if available else reason
        self._update_enhance()

    def set_enhancing(self, busy: bool) -> None:
        self._enhancing = busy
        self.enhance.setText("Enhancing…" if busy else "Enhance")
        self.prompt.setReadOnly(busy)
        self._update_enhance()

    def _update_enhance(self) -> None:
        has_text = bool(self.prompt.toPlainText().strip())
        self.enhance.setEnabled(not self._enhance_reason and has_text and not self._enhancing)
        self.enhance.setToolTip(self._enhance_reason or "Let a chat model enrich the prompt; you can edit the result")
        self.enhance_note.setText(self._enhance_reason)

    def set_enhanced(self, text: str) -> None:
        cursor = self.prompt.textCursor()
        cursor.select(cursor.SelectionType.Document)
        cursor.insertText(text)  # one undo step: Ctrl+Z brings the person's own prompt back

    # --- requests ----------------------------------------------------------------------------------
    def request(self) -> ImageRequest:
        seed = self.fixed_seed() if self.seed_fixed.isChecked() else random.randint(0, MAX_SEED)
        return ImageRequest(
            model=self.model.currentData() or "",
            prompt=_clean(self.prompt.toPlainText()),
            size=self.size_choice.currentData() or "1K",
            aspect_ratio=self.aspect.currentData() or "1:1",
            count=self.count.value(),
            seed=seed,
            negative_prompt=_clean(self.negative.text()) if self.negative_supported() else "",
            reference_images=self.references.encoded(),
        )

    def fixed_seed(self) -> int:
        text = self.seed.text().strip()
        return min(int(text), MAX_SEED) if text.isdigit() else 0

    def _generate(self) -> None:
        if self.generate.isEnabled():
            self.clear_problem()
            self.generate_requested.emit(self.request())

    def show_problem(self, message: str, buy_credits: bool = False) -> None:
        self.problem.setText(message)
        self.problem.show()
        self.buy.setVisible(buy_credits)

    def clear_problem(self) -> None:
        self.problem.hide()
        self.buy.hide()

    def fill_from(self, record: GalleryRecord) -> None:
        """Remix: the prompt and settings of an image, ready to change and generate again."""
        self.prompt.setPlainText(record.prompt)
        self.negative.setText(record.negative_prompt)
        if record.model:
            self.select_model(record.model)
        for combo, value in ((self.size_choice, record.size), (self.aspect, record.aspect)):
            index = combo.findData(value)
            if index >= 0:
                combo.setCurrentIndex(index)
        if self.references.limit and record.path is not None:  # Remix can start from the image itself
            self.references.clear()
            self.references.add_file(record.path)
        if record.seed is not None:
            # The image's own seed with one image makes that very image again; change the prompt to vary it.
            self.seed_fixed.setChecked(True)
            self.seed.setText(str(record.seed))
            self.count.setValue(1)
        self.prompt.setFocus()


def _clean(text: str) -> str:
    """``text`` as sent: trimmed, without NUL characters (pasted from a binary file, say), which the Studio API
    refuses in any text it could store."""
    return text.replace("\x00", "").strip()
