"""The Marketplace place driven like a person would: type, filter, select, rate, compare, use, refresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget

from app.context import AppContext
from app.services.catalog import CatalogService
from app.views.marketplace.card_model import EntryRole, RatingRole, UsageRole
from app.views.marketplace.compare_dialog import CompareDialog
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


def shown(page: MarketplacePage) -> list:
    return [page.model.data(page.model.index(row), EntryRole) for row in range(page.model.rowCount())]


def click_card(qtbot, page: MarketplacePage, model_id: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    row = page.model.row_of(model_id)
    assert row is not None, model_id
    index = page.model.index(row)
    page.grid.scrollTo(index)
    qtbot.mouseClick(page.grid.viewport(), Qt.MouseButton.LeftButton, modifier, page.grid.visualRect(index).center())


def tick(widget: QListWidget, name: str) -> None:
    widget.findItems(name, Qt.MatchFlag.MatchExactly)[0].setCheckState(Qt.CheckState.Checked)


def test_everything_is_listed_at_first(page: MarketplacePage, context: AppContext) -> None:
    total = len(context.catalog.all())
    assert page.model.rowCount() == total >= 60
    assert page.result_count.text() == f"{total} models"
    assert not page.clear_button.isVisible()
    assert page.results.currentWidget() is page.grid


def test_typing_searches_after_a_short_pause(qtbot, page: MarketplacePage) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(page.search_box, "claude")
    qtbot.waitUntil(lambda: page.model.rowCount() < 20)
    assert shown(page) and all(entry.provider == "Anthropic" for entry in shown(page))
    assert page.result_count.text().endswith(f"of {len(page.catalog.all())}")
    assert page.clear_button.isVisible()
    qtbot.keyClicks(page.search_box, " haiku")
    qtbot.waitUntil(lambda: {entry.id for entry in shown(page)} == {"claude-haiku-4-5", "claude-3-5-haiku"})


def test_nothing_found_shows_the_empty_state_and_clearing_brings_everything_back(qtbot, page: MarketplacePage) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(page.search_box, "no such model anywhere")
    qtbot.waitUntil(lambda: page.results.currentWidget() is page.empty)
    assert page.result_count.text().startswith("0 models")
    assert page.empty.action_button is not None
    qtbot.mouseClick(page.empty.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.results.currentWidget() is page.grid)
    assert page.search_box.text() == "" and page.model.rowCount() == len(page.catalog.all())


def test_filters_narrow_the_grid(qtbot, page: MarketplacePage) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(page.filters.kind_buttons["image"], Qt.MouseButton.LeftButton)
    assert shown(page) and all(entry.kind == "image" for entry in shown(page))
    tick(page.filters.providers, "Black Forest Labs")
    assert shown(page) and all(entry.provider == "Black Forest Labs" for entry in shown(page))
    page.filters.price_to.setCurrentIndex(page.filters.price_to.findText("$0.50"))
    assert all((entry.pricing.per_image or 0) <= 0.5 and entry.pricing.per_image is not None for entry in shown(page))
    page.filters.licence.setCurrentIndex(page.filters.licence.findData("open-noncommercial"))
    assert [entry.id for entry in shown(page)] == ["flux-dev"]
    page.filters.licence.setCurrentIndex(page.filters.licence.findData("open-commercial"))
    assert [entry.id for entry in shown(page)] == ["flux-schnell"]  # priced per image through Together

    qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
    assert page.model.rowCount() == len(page.catalog.all())
    assert not page.filters.kind_buttons["image"].isChecked()

    tick(page.filters.capabilities, "vision")
    page.filters.context_from.setCurrentIndex(page.filters.context_from.findText("1M"))
    assert shown(page) and all(
        "vision" in entry.capabilities and (entry.context_window or 0) >= 1_000_000 for entry in shown(page)
    )


def test_minimum_rating_and_sorting(qtbot, page: MarketplacePage, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    context.catalog.rate("mistral-small-3.2", 5)
    context.catalog.rate("gpt-4o", 3)
    page.filters.min_rating.setCurrentIndex(page.filters.min_rating.findData(4))
    assert [entry.id for entry in shown(page)] == ["mistral-small-3.2"]
    page.filters.min_rating.setCurrentIndex(0)
    page.sort_combo.setCurrentIndex(page.sort_combo.findData("price"))
    prices = [entry.reference_price for entry in shown(page) if entry.reference_price is not None]
    assert prices == sorted(prices)
    page.sort_combo.setCurrentIndex(page.sort_combo.findData("rating"))
    assert [entry.id for entry in shown(page)][:2] == ["mistral-small-3.2", "gpt-4o"]
    page.sort_combo.setCurrentIndex(page.sort_combo.findData("newest"))
    dates = [entry.release_date for entry in shown(page)]
    assert dates == sorted(dates, reverse=True)


def test_selecting_a_card_shows_its_details_and_stars_rate_it(
    qtbot, page: MarketplacePage, context: AppContext
) -> None:  # type: ignore[no-untyped-def]
    click_card(qtbot, page, "gpt-4o-mini")
    assert page.detail.entry is not None and page.detail.entry.id == "gpt-4o-mini"
    assert page.detail.name_label.text() == "GPT-4o mini"
    assert "1,000-word reply ≈ $0.0008" in page.detail.examples.text()
    assert page.detail.facts["Context"].text().startswith("128K")
    assert page.detail.use_chat.isVisible() and not page.detail.use_studio.isVisible()

    qtbot.mouseClick(page.detail.stars.buttons[3], Qt.MouseButton.LeftButton)
    assert context.catalog.rating("gpt-4o-mini") == 4
    assert page.model.data(page.model.index(page.model.row_of("gpt-4o-mini")), RatingRole) == 4
    assert page.detail.stars.caption.text() == "Rated 4/5"
    qtbot.mouseClick(page.detail.stars.buttons[3], Qt.MouseButton.LeftButton)  # the same star again clears
    assert context.catalog.rating("gpt-4o-mini") is None


def test_use_in_chat_and_studio_ask_the_navigator_and_count_a_use(
    qtbot, page: MarketplacePage, context: AppContext
) -> None:  # type: ignore[no-untyped-def]
    click_card(qtbot, page, "llama-3.3-70b")
    with qtbot.waitSignal(context.navigator.requested) as chat:
        qtbot.mouseClick(page.detail.use_chat, Qt.MouseButton.LeftButton)
    assert chat.args == [
        "chat",
        {"model_id": "llama-3.3-70b", "provider": "groq", "provider_model": "llama-3.3-70b-versatile"},
    ]
    assert context.catalog.usage_count("llama-3.3-70b") == 1
    assert page.model.data(page.model.index(page.model.row_of("llama-3.3-70b")), UsageRole) == 1
    assert "1 time" in page.detail.facts["Used"].text()

    page.show_model("flux-schnell")
    assert page.detail.use_studio.isVisible() and not page.detail.use_chat.isVisible()
    with qtbot.waitSignal(context.navigator.requested) as studio:
        qtbot.mouseClick(page.detail.use_studio, Qt.MouseButton.LeftButton)
    assert studio.args == ["studio", {"model_id": "flux-schnell", "studio_model": "flux-schnell"}]
    assert context.catalog.usage_count("flux-schnell") == 1


def test_embedding_models_cannot_be_sent_to_chat(page: MarketplacePage) -> None:
    page.show_model("text-embedding-3-small")
    assert not page.detail.use_chat.isEnabled()
    assert "do not chat" in page.detail.use_reason.text()


def test_compare_two_or_three_models(qtbot, page: MarketplacePage) -> None:  # type: ignore[no-untyped-def]
    assert not page.compare_button.isEnabled()
    click_card(qtbot, page, "gpt-4o")
    click_card(qtbot, page, "claude-sonnet-4-5", Qt.KeyboardModifier.ControlModifier)
    assert page.compare_button.isEnabled() and page.compare_button.text() == "Compare (2)"
    qtbot.mouseClick(page.compare_button, Qt.MouseButton.LeftButton)
    dialog = page.findChild(CompareDialog)
    assert dialog is not None and dialog.isVisible()
    assert [entry.id for entry in dialog.entries] == ["claude-sonnet-4-5", "gpt-4o"] or {
        entry.id for entry in dialog.entries
    } == {"gpt-4o", "claude-sonnet-4-5"}
    column = [entry.id for entry in dialog.entries].index("gpt-4o")
    assert dialog.cell("Input / 1M", column) == "$2.50"
    assert dialog.cell("Context", column) == "128K"
    dialog.close()

    for model_id in ("gemini-2.5-pro", "o3"):
        click_card(qtbot, page, model_id, Qt.KeyboardModifier.ControlModifier)
    assert not page.compare_button.isEnabled()  # four is too many
    assert page.compare_selected() is None and "two or three" in page.notice.text()


def test_recommendations_show_three_scored_models_and_open_one(qtbot, page: MarketplacePage) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(page.recommend_box.task, "read receipts from photos and extract JSON")
    qtbot.mouseClick(page.recommend_box.ask, Qt.MouseButton.LeftButton)
    cards = page.recommend_box.cards
    assert len(cards) == 3
    score = cards[0].findChild(type(page.result_count), "score")
    assert score is not None and score.text().endswith("/75")
    reasons = cards[0].findChild(type(page.result_count), "reasons")
    assert reasons is not None and "vision" in reasons.text()
    qtbot.mouseClick(cards[1], Qt.MouseButton.LeftButton)
    assert page.detail.entry is not None and page.detail.entry.id == cards[1].model_id


def test_an_empty_task_asks_for_words(qtbot, page: MarketplacePage) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(page.recommend_box.ask, Qt.MouseButton.LeftButton)
    assert page.recommend_box.cards == [] and "Describe the task" in page.recommend_box.message.text()


def test_activate_selects_a_model_and_focus_search(qtbot, page: MarketplacePage) -> None:  # type: ignore[no-untyped-def]
    page.search_box.setText("flux")
    page.run_search()
    page.activate({"model_id": "o3"})  # hidden by the search: the search is widened
    assert page.detail.entry is not None and page.detail.entry.id == "o3"
    page.activateWindow()
    page.focus_search()
    qtbot.waitUntil(page.search_box.hasFocus)


def test_refresh_button_merges_the_listing(
    qtbot, page: MarketplacePage, context: AppContext, listing_server: ListingServer
) -> None:  # type: ignore[no-untyped-def]
    context.settings.set("catalog.refresh_url", listing_server.url)
    before = page.model.rowCount()
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Catalog refreshed" in page.notice.text(), timeout=10_000)
    assert page.model.rowCount() == before + 2
    assert "2 models updated, 2 added" in page.notice.text()
    assert "refreshed online" in page.as_of.text() and listing_server.url in page.as_of.toolTip()
    assert page.filters.providers.findItems(
        "Nousresearch", Qt.MatchFlag.MatchExactly
    ) or page.filters.providers.findItems("Nous", Qt.MatchFlag.MatchExactly)


def test_a_failed_refresh_says_so_and_keeps_the_grid(
    qtbot, page: MarketplacePage, context: AppContext, listing_server: ListingServer
) -> None:  # type: ignore[no-untyped-def]
    context.settings.set("catalog.refresh_url", listing_server.url)
    listing_server.mode = "malformed"
    before = page.model.rowCount()
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "unchanged" in page.notice.text(), timeout=10_000)
    assert page.notice.property("role") == "error"
    assert page.model.rowCount() == before
    assert page.refresh_button.text() == "Refresh catalog"


def test_a_bad_catalog_file_is_reported_on_the_page(qtbot, qloop, context: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "models.json"
    broken.write_text("{ not json", encoding="utf-8")
    context.__dict__["catalog"] = CatalogService(context.sessions, catalog_path=broken, workers=context.workers)
    widget = MarketplacePage(context)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.ready)
    assert widget.notice.isVisible() or "problem" in widget.notice.text()
    assert "not valid JSON" in widget.notice.text()
    assert widget.results.currentWidget() is widget.empty


def test_enter_on_a_card_uses_it(qtbot, page: MarketplacePage, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    click_card(qtbot, page, "gpt-4o")
    with qtbot.waitSignal(context.navigator.requested) as used:
        qtbot.keyClick(page.grid, Qt.Key.Key_Return)
    assert used.args[0] == "chat" and used.args[1]["model_id"] == "gpt-4o"
    assert context.catalog.usage_count("gpt-4o") == 1


def test_a_slow_refresh_can_be_cancelled(
    qtbot, page: MarketplacePage, context: AppContext, listing_server: ListingServer
) -> None:  # type: ignore[no-untyped-def]
    context.settings.set("catalog.refresh_url", listing_server.url)
    listing_server.mode = "slow"
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.refresh_button.text() == "Cancel refresh")
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in page.notice.text())
    assert page.refresh_button.text() == "Refresh catalog"
    assert context.catalog.loaded.origin == "file"


def test_a_narrow_place_folds_the_filters_behind_a_button(qtbot, page: MarketplacePage) -> None:  # type: ignore[no-untyped-def]
    assert page.filters.isVisible() and not page.filters_toggle.isVisible()
    page.resize(900, 700)
    qtbot.waitUntil(lambda: page.filters_toggle.isVisible())
    assert not page.filters.isVisible() and page.detail.isVisible()
    # once the layout settles it fits beside the expanded sidebar in a 960-pixel window
    qtbot.waitUntil(lambda: page.minimumSizeHint().width() <= 760)
    qtbot.mouseClick(page.filters_toggle, Qt.MouseButton.LeftButton)
    assert page.filters.isVisible() and not page.detail.isVisible()
    page.resize(1400, 900)
    qtbot.waitUntil(lambda: not page.filters_toggle.isVisible())
    assert page.filters.isVisible() and page.detail.isVisible()


def test_a_page_closed_while_loading_lets_go_of_the_catalog(qtbot, qloop, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    widget = MarketplacePage(context)
    assert context.tasks.running("catalog-load") or context.catalog.is_loaded
    gone: list[bool] = []
    widget.destroyed.connect(lambda: gone.append(True))
    widget.deleteLater()
    qtbot.waitUntil(lambda: bool(gone))
    assert not context.tasks.running("catalog-load") or context.catalog.is_loaded
    context.catalog.rate("o3", 4)  # no listener left that points at the deleted page
    assert context.catalog.rating("o3") == 4


def test_a_multi_word_search_that_finds_nothing_says_what_to_try(qtbot, page: MarketplacePage) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(page.search_box, "groq cheap")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and page.results.currentWidget() is page.grid)
    page.search_box.clear()
    qtbot.keyClicks(page.search_box, "groq dall")
    qtbot.waitUntil(lambda: page.results.currentWidget() is page.empty)
    said = page.empty.body_label.text()
    assert said.startswith('No models match "groq dall" — try "') and "(without" in said
    assert page.empty.action_button is not None and page.empty.action_button.text().startswith('Search "')
    qtbot.mouseClick(page.empty.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.results.currentWidget() is page.grid)
    assert page.search_box.text() in ("groq", "dall") and page.model.rowCount() > 0
