"""The New model form: describe, attach a CSV (preview and column types), target and task, who writes the
code (a template or a named chat model), review the files read-only, confirm and build.

The fields scroll (at the smallest window they never overlap); the Build row stays below them, with a line
saying what is missing whenever Build is disabled (``readiness.build_blocker``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.builder.controller import BuilderController
from app.services.builder.csv_preview import CsvPreview
from app.services.builder.readiness import BuildForm, build_blocker
from app.views.builder.code_view import CodeView
from modal_app.contract import BuildFiles, BuildRequest, BuildTask

TEMPLATE = "Built-in template"  # who wrote the files, as ``BuilderController.code_ready`` names the template


class NewModelForm(QWidget):
    """The New model form bound to a ``BuilderController``."""

    def __init__(self, controller: BuilderController, default_model: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.preview: CsvPreview | None = None
        self.csv_text = ""
        self.files: BuildFiles | None = None
        self.files_by = ""

        title = QLabel("New model")
        title.setProperty("role", "subtitle")
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("What should the model predict? e.g. “Tell big flats from small ones”")
        self.description.setAccessibleName("Model description")
        self.description.setMaximumHeight(70)
        self.description.setMinimumHeight(48)
        self.attach = QPushButton("Attach CSV…")
        self.attach.setAccessibleName("Attach a CSV file")
        self.attach.clicked.connect(self._choose_csv)
        self.file_label = QLabel("No file yet")
        self.file_label.setProperty("role", "muted")
        self.table = QTableWidget(0, 0)
        self.table.setAccessibleName("CSV preview")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(130)
        self.target = QComboBox()
        self.target.setAccessibleName("Target column")
        self.target.currentTextChanged.connect(self._target_changed)
        self.task = QComboBox()
        self.task.setAccessibleName("Task")
        for task in BuildTask:
            self.task.addItem(task.label, task)

        self.use_template = QRadioButton("Built-in template")
        self.use_llm = QRadioButton("Chat model:")
        self.use_template.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.use_template)
        group.addButton(self.use_llm)
        self.model = QLineEdit(default_model)
        self.model.setPlaceholderText("provider/model, e.g. openai/gpt-4o-mini")
        self.model.setAccessibleName("Chat model that writes the code")
        writer = QHBoxLayout()
        writer.addWidget(self.use_template)
        writer.addWidget(self.use_llm)
        writer.addWidget(self.model, 1)

        self.review = QPushButton("Review code")
        self.review.setAccessibleName("Write and review the code")
        self.review.clicked.connect(self._review)
        self.code_by = QLabel("")
        self.code_by.setProperty("role", "muted")
        self.code = CodeView()
        self.code.setMinimumHeight(220)
        self.confirm = QCheckBox("I have read this code and agree to run it on this computer")
        self.confirm.setVisible(False)
        self.build_button = QPushButton("Build")
        self.build_button.setProperty("role", "primary")
        self.build_button.setEnabled(False)
        self.build_button.clicked.connect(self._build)
        self.build_reason = QLabel("")
        self.build_reason.setProperty("role", "muted")
        self.build_reason.setWordWrap(True)
        self.build_reason.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignTrailing)
        self.build_reason.setAccessibleName("Why Build is not available")
        self.confirm.toggled.connect(self._update_buttons)
        self.description.textChanged.connect(self._update_buttons)
        self.model.textChanged.connect(self._update_buttons)
        self.use_template.toggled.connect(self._update_buttons)
        self.error = QLabel("")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Description", self.description)
        file_row = QHBoxLayout()
        file_row.addWidget(self.attach)
        file_row.addWidget(self.file_label, 1)
        form.addRow("Data", file_row)
        form.addRow("", self.table)
        form.addRow("Target", self.target)
        form.addRow("Task", self.task)
        form.addRow("Code by", writer)
        body = QWidget()
        fields = QVBoxLayout(body)
        fields.setContentsMargins(0, 0, 8, 0)
        fields.addWidget(title)
        fields.addLayout(form)
        actions = QHBoxLayout()
        actions.addWidget(self.review)
        actions.addWidget(self.code_by, 1)
        fields.addLayout(actions)
        fields.addWidget(self.code, 1)
        fields.addWidget(self.confirm)
        # Below the window's room the fields scroll instead of being squeezed on top of each other.
        self.fields_scroll = QScrollArea()
        self.fields_scroll.setWidgetResizable(True)
        self.fields_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.fields_scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields_scroll, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error, 1)
        bottom.addWidget(self.build_reason, 1)
        bottom.addWidget(self.build_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(bottom)

        controller.preview_ready.connect(self.show_preview)
        controller.code_ready.connect(self.show_code)
        controller.problem.connect(self.error.setText)
        self._update_buttons()

    # --- data ---------------------------------------------------------------------------------------
    def _choose_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Attach a CSV", "", "CSV files (*.csv);;All files (*)")
        if path:
            self.load(Path(path))

    def load(self, path: Path) -> None:
        # The previous file's table, target and text go at once: if this one cannot be read, Build must not
        # train on the file it replaced.
        self.error.setText("")
        self.file_label.setText(path.name)
        self.preview, self.csv_text = None, ""
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.target.blockSignals(True)
        self.target.clear()
        self.target.blockSignals(False)
        self._invalidate_code()
        self.controller.load_csv(path)

    def show_preview(self, preview: CsvPreview, text: str) -> None:
        self.preview, self.csv_text = preview, text
        self.table.setColumnCount(len(preview.columns))
        self.table.setRowCount(len(preview.rows))
        self.table.setHorizontalHeaderLabels([f"{c.name}\n{c.kind}" for c in preview.columns])
        for r, row in enumerate(preview.rows):
            for c, value in enumerate(row[: len(preview.columns)]):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.file_label.setText(f"{self.file_label.text()} · {len(preview.columns)} columns, first rows below")
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItems([c.name for c in preview.columns])
        self.target.setCurrentText(preview.target)
        self.target.blockSignals(False)
        self._set_task(preview.task)
        self._invalidate_code()

    def _target_changed(self, name: str) -> None:
        if self.preview is not None and name:
            self._set_task(self.preview.suggest_task(name))
        self._invalidate_code()

    def current_task(self) -> BuildTask:
        return BuildTask(self.task.currentData())  # Qt hands the enum back as its str value

    def _set_task(self, task: BuildTask) -> None:
        self.task.setCurrentIndex(self.task.findData(task))

    # --- code ---------------------------------------------------------------------------------------
    def _invalidate_code(self) -> None:
        self.files = None
        self._update_buttons()

    def _review(self) -> None:
        self.error.setText("")
        if self.preview is None:
            self.error.setText("Attach a CSV first.")
            return
        model = self.model.text().strip() if self.use_llm.isChecked() else ""
        columns = [c.name for c in self.preview.columns]
        self.controller.prepare_code(
            self.description.toPlainText(), self.current_task(), self.target.currentText(), columns, model
        )

    def show_code(self, files: BuildFiles, by: str) -> None:
        self.files, self.files_by = files, by
        self.code.show_files(files)
        self.code_by.setText(f"Written by: {by}")
        local = getattr(self.controller.connection, "kind", "local") == "local"
        self.confirm.setVisible(by != TEMPLATE and local)
        self.confirm.setChecked(False)
        self._update_buttons()

    def state(self) -> BuildForm:
        """What the form holds, for ``build_blocker``."""
        by_template = self.use_template.isChecked()
        return BuildForm(
            description=self.description.toPlainText(),
            has_csv=self.preview is not None,
            target=self.target.currentText(),
            by_template=by_template,
            code_model=self.model.text(),
            # a chat model's build needs that model's files; a template's review does not count for it
            reviewed=self.files is not None and self.files_by != TEMPLATE,
            confirm_needed=not self.confirm.isHidden(),
            confirmed=self.confirm.isChecked(),
        )

    def _update_buttons(self) -> None:
        reason = build_blocker(self.state())
        self.build_button.setEnabled(not reason)
        self.build_button.setToolTip(reason)
        self.build_button.setAccessibleDescription(reason)
        self.build_reason.setText(reason)
        self.build_reason.setVisible(bool(reason))

    def _build(self) -> None:
        state = self.state()
        if build_blocker(state):
            return
        llm = not state.by_template and self.files is not None
        request = BuildRequest(
            description=state.description.strip(),
            task=self.current_task(),
            target=self.target.currentText(),
            csv=self.csv_text,
            files=self.files if llm else None,
            code_model=self.files_by if llm else None,
            confirmed=self.confirm.isChecked(),
        )
        self.controller.submit(request)
