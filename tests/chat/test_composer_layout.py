"""The composer keeps still while its button changes: Send, Stop and Resend take one width (QA: the message
box narrowed and widened by ~10 px on every send, as the narrower Stop replaced Send)."""

from __future__ import annotations

from app.views.chat.composer import Composer
from app.views.theme import apply_theme


def test_the_message_box_keeps_its_width_whichever_button_shows(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    apply_theme(qapp)  # the buttons' widths come from the stylesheet's padding
    composer = Composer()
    qtbot.addWidget(composer)
    composer.resize(700, 160)
    composer.show()
    qtbot.waitExposed(composer)

    def editor_width() -> int:
        composer.layout().activate()
        return composer.editor.width()

    idle = editor_width()
    composer.set_streaming(True)
    assert composer.stop_button.isVisible()
    assert editor_width() == idle
    composer.set_streaming(False)
    composer.begin_edit(1, "an earlier message")
    assert composer.send_button.text() == "Resend"
    assert editor_width() == idle
    composer.set_streaming(True)
    assert editor_width() == idle
