"""What the Marketplace says about routes: a price per route, unknown limits, licences, and after a refresh
against a loopback listing, the price it changed and the model it dropped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.context import AppContext
from app.services.catalog.formatting import price_summary
from app.views.marketplace.page import MarketplacePage
from tests.marketplace.conftest import ListingServer


@pytest.fixture
def page(qtbot, qloop, context: AppContext) -> Iterator[MarketplacePage]:  # type: ignore[no-untyped-def]
    widget = MarketplacePage(context)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitUntil(lambda: widget.ready and widget.model.rowCount() > 0)
    yield widget
    widget.shutdown()


def shot(widget, path: Path) -> None:  # type: ignore[no-untyped-def]
    image = widget.grab()
    assert image.save(str(path)) and path.stat().st_size > 5_000


def test_the_detail_panel_prices_each_route(qtbot, page: MarketplacePage, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    page.show_model("llama-4-scout")
    detail = page.detail
    assert detail.facts["Price"].text() == "Groq $0.11 / $0.34 · Ollama free (your hardware)"
    routes = detail.served.text().replace("\u200b", "")  # zero-width break points in long ids
    assert "Groq — meta-llama/llama-4-scout-17b-16e-instruct\n   128K context · 8K max output" in routes
    assert "Ollama — llama4:scout" in routes
    assert detail.facts["Licence"].text() == "Llama 4 Community License · open weights · commercial use allowed"
    assert detail.examples.text().startswith("Through Groq:\n1,000-word reply ≈ $0.00045")
    qtbot.wait(50)  # let the layout give wrapped labels their height before the picture
    shot(detail, screenshot_dir / "marketplace-detail-routes.png")

    page.show_model("grok-4")
    assert detail.facts["Max output"].text() == "Unknown (not published)" and detail.facts["Max output"].isVisible()
    page.show_model("command-a")
    assert detail.facts["Licence"].text().endswith("open weights · non-commercial use only")
    page.show_model("sdxl-1.0")
    assert detail.how_to_run.isVisible() and "ComfyUI" in detail.how_to_run.text()
    qtbot.wait(50)
    shot(detail, screenshot_dir / "marketplace-detail-how-to-run.png")


def test_the_licence_filter_is_a_labelled_choice(qtbot, page: MarketplacePage, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    combo = page.filters.licence
    assert combo.accessibleName() == "Licence"
    assert [combo.itemText(i) for i in range(combo.count())][:3] == [
        "Any licence",
        "Open · commercial OK",
        "Open · any licence",
    ]
    combo.setCurrentIndex(combo.findData("open-noncommercial"))
    shown = [page.model.index(row).data(Qt.ItemDataRole.AccessibleTextRole) for row in range(page.model.rowCount())]
    assert page.model.rowCount() >= 7 and len(shown) == page.model.rowCount()
    shot(page.filters, screenshot_dir / "marketplace-filters-licence.png")


def test_a_refresh_shows_a_new_price_and_a_dropped_model(  # type: ignore[no-untyped-def]
    qtbot, page: MarketplacePage, context: AppContext, listing_server: ListingServer, screenshot_dir: Path
) -> None:
    # the loopback listing drops Grok 4; the fixture's GPT-4o item already carries a new price ($2 / $8)
    listing_server.listing["data"] = [
        item
        for item in listing_server.listing["data"]
        if not (isinstance(item, dict) and item.get("id") == "x-ai/grok-4")
    ]
    context.settings.set("catalog.refresh_url", listing_server.url)
    assert "20 Oct 2025" in page.as_of.text()
    page.show_model("gpt-4o")
    assert "OpenRouter $2.50 / $10.00" in page.detail.facts["Price"].text()

    first_day = dt.date.today()
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Catalog refreshed" in page.notice.text(), timeout=10_000)
    assert "no longer listed: grok-4" in page.notice.text()
    days = {first_day, dt.date.today()}  # a run across midnight refreshes on one of the two days
    assert any(f"{day.day} {day:%b %Y} (refreshed online)" in page.as_of.text() for day in days)

    page.show_model("gpt-4o")
    assert page.detail.facts["Price"].text() == "OpenAI $2.50 / $10.00 · OpenRouter $2.00 / $8.00"

    page.show_model("grok-4")
    detail = page.detail
    assert detail.facts["Price"].text() == "OpenRouter: no longer listed by OpenRouter"
    assert "no longer listed by OpenRouter" in detail.served.text()
    assert detail.examples.text() == "No longer listed by OpenRouter: no current price"
    assert not detail.use_chat.isEnabled() and "No longer listed by OpenRouter" in detail.use_reason.text()
    grok = context.catalog.get("grok-4")
    assert grok is not None and price_summary(grok) == "No longer listed by OpenRouter"
    assert grok not in context.catalog.chat_models()
    assert all(rec.entry.id != "grok-4" for rec in context.catalog.recommend("a strong model for hard math", 10))
    qtbot.wait(50)
    shot(detail, screenshot_dir / "marketplace-detail-delisted.png")
