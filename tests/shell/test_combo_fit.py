"""Every combo box shows its longest item whole beside the arrow (QA of issues 12/20): Qt measures a combo
once, when it first shows, so one filled later (Studio sizes, model filters, log levels…) ran its text under
the drop-down arrow. Checked on a bare combo and on every combo of every place, left-to-right and
right-to-left."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QSizePolicy, QStyle, QStyleOptionComboBox
from pytestqt.exceptions import TimeoutError as WaitTimeout

from app.services.clients.studio_types import ImageModel, ModelTable
from app.views.main_window import MainWindow
from app.views.places import PLACES
from app.views.studio.prompt_form import SIZE_LABELS, PromptForm

ELIDING = QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon


def shortfall(combo: QComboBox) -> int:
    """How many px the longest item is wider than the field the style gives the text (0 when it fits)."""
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    arrow = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxArrow, combo
    )
    metrics = combo.fontMetrics()
    widest = 0
    for row in range(combo.count()):
        icon_room = combo.iconSize().width() + 4 if not combo.itemIcon(row).isNull() else 0
        widest = max(widest, metrics.horizontalAdvance(combo.itemText(row)) + icon_room)
    overlap = max(0, field.intersected(arrow).width())  # the text's field must not run under the arrow
    return max(0, widest - field.width()) + overlap


def studio_models() -> ModelTable:
    sizes = tuple(SIZE_LABELS)
    return ModelTable(
        models=(
            ImageModel(
                id="qwen-image-lightning",
                name="Qwen-Image Lightning",
                provider="Qwen",
                sizes=sizes,
                aspect_ratios=("1:1", "16:9", "9:16", "4:3", "3:4"),
                steps=4,
                reference_images=False,
                negative_prompt=True,
                active=True,
                credits={size: (1, 2, 3, 4) for size in sizes},
            ),
        ),
        max_count=4,
        compute_ready=True,
        compute_message="",
    )


@pytest.mark.parametrize("direction", [Qt.LayoutDirection.LeftToRight, Qt.LayoutDirection.RightToLeft])
def test_every_combo_of_every_place_shows_its_longest_item(window: MainWindow, qtbot, direction) -> None:
    window.setLayoutDirection(direction)
    problems: list[str] = []
    for spec in PLACES:
        window.open_place(spec.key)
        page = window.page(spec.key)
        if spec.key == "studio":
            form = page.findChild(PromptForm)
            assert form is not None
            form.set_models(studio_models())
        combos = [combo for combo in page.findChildren(QComboBox) if combo.isVisibleTo(window) and combo.count()]
        for combo in combos:
            if combo.sizeAdjustPolicy() == ELIDING and combo.minimumContentsLength() > 0:
                continue  # elides by design in a narrow column; its list shows the whole names
            # Qt measures a combo's minimum once and keeps it when items come later: a layout may then squeeze
            # it below its items, depending on when it was first laid out. It must not be able to.
            squeezable = combo.sizePolicy().horizontalPolicy() not in (
                QSizePolicy.Policy.Minimum,
                QSizePolicy.Policy.Fixed,
            )
            if squeezable and combo.minimumSizeHint().width() < combo.sizeHint().width():
                name = combo.accessibleName() or combo.objectName() or combo.currentText()
                problems.append(f"{spec.key}: {name!r} may be squeezed below its items (a stale minimum)")
            try:
                qtbot.waitUntil(lambda combo=combo: shortfall(combo) == 0, timeout=5000)
            except WaitTimeout:
                name = combo.accessibleName() or combo.objectName() or combo.currentText()
                problems.append(
                    f"{spec.key}: {name!r} is {shortfall(combo)} px short of {combo.currentText()!r} "
                    f"(width {combo.width()}, hint {combo.sizeHint().width()}, "
                    f"minimum {combo.minimumSizeHint().width()}, focus {combo.hasFocus()}, "
                    f"policy {combo.sizeAdjustPolicy().name}, parent width {combo.parentWidget().width()})"
                )
    assert not problems, "\n".join(problems)
