"""Read-only views of a build's three files, highlighted with Pygments (token → colour, one block at a time)."""

from __future__ import annotations

from pygments.lexers import PythonLexer, TextLexer
from pygments.token import Comment, Keyword, Name, Number, String, Token
from PySide6.QtGui import QColor, QFont, QFontDatabase, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import QPlainTextEdit, QTabWidget, QWidget

from modal_app.contract import BuildFiles

COLORS = {
    Keyword: "#c084fc",
    Name.Builtin: "#93c5fd",
    Name.Function: "#fcd34d",
    Name.Class: "#fcd34d",
    String: "#86efac",
    Number: "#fdba74",
    Comment: "#71717a",
}


def _format(token: object) -> QTextCharFormat | None:
    kind = token
    while kind is not Token and kind is not None:
        if kind in COLORS:
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(COLORS[kind]))  # type: ignore[index]
            if kind is Comment:
                fmt.setFontItalic(True)
            return fmt
        kind = getattr(kind, "parent", None)
    return None


class Highlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument, python: bool) -> None:
        super().__init__(document)
        self.lexer = PythonLexer() if python else TextLexer()

    def highlightBlock(self, text: str) -> None:
        try:
            position = 0
            for token, value in self.lexer.get_tokens(text):
                fmt = _format(token)
                if fmt is not None:
                    self.setFormat(position, len(value), fmt)
                position += len(value)
        except Exception:  # never let a highlighter error reach Qt
            return


class CodeView(QTabWidget):
    """Three read-only tabs: requirements.txt, train.py, app.py."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Generated files")
        self.editors: dict[str, QPlainTextEdit] = {}
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self._highlighters: list[Highlighter] = []
        for name in ("requirements.txt", "train.py", "app.py"):
            editor = QPlainTextEdit()
            editor.setReadOnly(True)
            editor.setFont(font)
            editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            editor.setAccessibleName(name)
            self._highlighters.append(Highlighter(editor.document(), name.endswith(".py")))
            self.editors[name] = editor
            self.addTab(editor, name)

    def show_files(self, files: BuildFiles) -> None:
        self.editors["requirements.txt"].setPlainText(files.requirements_txt)
        self.editors["train.py"].setPlainText(files.train_py)
        self.editors["app.py"].setPlainText(files.app_py)
        self.setCurrentWidget(self.editors["train.py"])
