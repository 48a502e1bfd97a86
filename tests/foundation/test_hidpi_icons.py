"""Icons are drawn for the screen's pixel ratio (issue 20): real pixels = size × ratio, the ratio set."""

from __future__ import annotations

from PySide6.QtCore import QSize

from app.views.widgets.icons import icon, pixmap


def test_pixmaps_and_icons_carry_their_device_pixel_ratio(qapp) -> None:  # type: ignore[no-untyped-def]
    for ratio in (1.0, 1.5, 2.0):
        drawn = pixmap("chat", 56, ratio=ratio)
        assert drawn.size() == QSize(round(56 * ratio), round(56 * ratio))
        assert drawn.devicePixelRatio() == ratio
        assert drawn.deviceIndependentSize().toSize() == QSize(56, 56)
        from_icon = icon("search").pixmap(QSize(16, 16), ratio)
        assert from_icon.size() == QSize(round(16 * ratio), round(16 * ratio)) and from_icon.devicePixelRatio() == ratio
    # at 2x the outline has more distinct pixels than the 1x pixmap stretched: it was drawn, not scaled
    sharp = pixmap("chat", 56, ratio=2.0).toImage()
    stretched = pixmap("chat", 56, ratio=1.0).toImage().scaled(sharp.size())
    assert sharp != stretched
