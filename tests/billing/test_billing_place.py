"""The Billing place with qtbot against the embedded Studio API with billing on, Stripe faked on loopback:
buy → Checkout opened → the signed webhook → balance, plan and history update; every state screenshotted."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from app.context import AppContext
from app.services.billing.controller import BillingState, poll_pauses
from app.services.studio.connection import ConnectionState, StudioConnection
from app.views.billing.page import BillingPage
from modal_app.api import create_app
from modal_app.services import build_services
from modal_app.settings import ServerSettings
from tests.billing.support import fake_stripe_fixture, stripe_settings  # noqa: F401
from tests.fakes.image_compute import FakeImageCompute
from tests.fakes.stripe_fake import FakeStripe, event, signed
from tests.studio.embedded import EmbeddedApi


class BillingApi:
    """A ``LocalAppFactory``: the embedded app with billing on and the SDK pointed at the fake."""

    def __init__(self, fake: FakeStripe) -> None:
        self.fake = fake

    def __call__(self, data_dir: Path) -> tuple[Any, str]:
        settings = ServerSettings.for_data_dir(
            data_dir, compute=FakeImageCompute(), billing_enabled=True, local_account=True, **stripe_settings(self.fake)
        )
        services = build_services(settings)
        assert services.local_token is not None
        return create_app(settings, services), services.local_token


def open_billing(qtbot, context: AppContext, factory: Any, opened: list[str]) -> BillingPage:  # type: ignore[no-untyped-def]
    context.studio = StudioConnection(  # type: ignore[misc]
        context.settings,
        context.secrets,
        context.paths.folder("studio-api"),
        context.tasks,
        context.workers,
        local_app_factory=factory,
    )
    context.url_opener = lambda url: opened.append(url) or True
    page = BillingPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 1000)
    page.show()
    context.studio.start_reconnect()
    return page


def deliver(context: AppContext, evt: dict[str, Any]) -> None:
    """Stripe's delivery to the embedded server's webhook, signed."""
    assert context.studio.server is not None
    body, header = signed(evt)
    response = httpx.post(
        f"{context.studio.server.url}/v1/stripe/webhook", content=body, headers={"Stripe-Signature": header}
    )
    assert response.status_code == 200, response.text


def long_polls(context: AppContext) -> int:
    """How many long polls of ``GET /v1/billing`` the embedded server holds for the local account now."""
    assert context.studio.server is not None
    state = context.studio.server.app.state
    billing = getattr(state, "billing", None)
    return 0 if billing is None else billing.changes.waiting(state.services.accounts.local_account().id)


def shoot(page: BillingPage, folder: Path, name: str) -> None:
    # Let pending layout passes run first: a grab right after new cards arrive shows them squeezed.
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    QApplication.processEvents()
    page.grab().save(str(folder / f"billing-{name}.png"))


@pytest.fixture
def opened() -> list[str]:
    return []


def test_buying_a_pack_and_a_plan_updates_balance_plan_and_history(
    qtbot, context: AppContext, fake_stripe: FakeStripe, opened: list[str], screenshot_dir: Path, tmp_path: Path
) -> None:
    page = open_billing(qtbot, context, BillingApi(fake_stripe), opened)
    controller = context.billing_controller
    controller._poll_seconds = 0.05
    qtbot.waitUntil(lambda: controller.state == BillingState.READY and len(page.pack_cards) == 5, timeout=20000)
    qtbot.waitUntil(lambda: page.plan_cards["free"].frame.property("current") is True)
    assert page.history.stack.currentWidget() is page.history.empty
    assert page.plan_cards["pro"].button.isEnabled() and not page.plan_cards["free"].button.isEnabled()
    assert page.pack_cards["pack-250"].badge.text() == "Save 36%"
    shoot(page, screenshot_dir, "free")

    notes: list[tuple[str, str]] = []
    context.notifier.notified.connect(lambda title, body, place, _payload: notes.append((title, place)))
    qtbot.mouseClick(page.pack_cards["pack-50"].button, qtbot_button())
    qtbot.waitUntil(lambda: controller.state == BillingState.WAITING, timeout=10000)
    assert opened and opened[-1].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert page.waiting.isVisible() and not page.pack_cards["pack-10"].button.isEnabled()
    qtbot.waitUntil(lambda: long_polls(context) == 1, timeout=10000)  # held by the server, not polled
    shoot(page, screenshot_dir, "waiting")

    session = fake_stripe.complete(opened[-1].rsplit("/", 1)[1])
    deliver(context, event("checkout.session.completed", session))
    qtbot.waitUntil(lambda: controller.state == BillingState.READY, timeout=10000)
    qtbot.waitUntil(lambda: page.balance.value.text() == "50" and page.history.model.rowCount() == 1, timeout=10000)
    assert ("50 credits added", "billing") in notes
    assert page.history.model.data(page.history.model.index(0, 1)) == "+50"
    assert page.plan_panel.manage.isEnabled()  # a customer exists now

    qtbot.mouseClick(page.plan_cards["pro"].button, qtbot_button())
    qtbot.waitUntil(lambda: controller.state == BillingState.WAITING and len(opened) == 2, timeout=10000)
    session_id = opened[-1].rsplit("/", 1)[1]
    fake_stripe.complete(session_id)
    deliver(context, event("customer.subscription.created", fake_stripe.subscription(session_id)))
    deliver(context, event("invoice.paid", fake_stripe.invoice(session_id)))
    qtbot.waitUntil(lambda: controller.state == BillingState.READY, timeout=10000)
    qtbot.waitUntil(
        lambda: page.plan_panel.name.text() == "Pro plan" and page.balance.value.text() == "200", timeout=10000
    )
    assert page.plan_cards["pro"].frame.property("current") is True
    assert "Renews" in page.plan_panel.renewal.text()
    qtbot.waitUntil(lambda: page.history.model.rowCount() == 2)
    shoot(page, screenshot_dir, "pro")

    qtbot.mouseClick(page.plan_panel.manage, qtbot_button())
    qtbot.waitUntil(lambda: len(opened) == 3 and opened[-1].startswith("https://billing.stripe.com/"), timeout=10000)

    page.history.kind.setCurrentIndex(page.history.kind.findData("plan"))
    assert page.history.proxy.rowCount() == 1
    page.choose_folder = lambda _parent: tmp_path
    qtbot.mouseClick(page.history.export, qtbot_button())
    qtbot.waitUntil(lambda: bool(list(tmp_path.glob("*.csv"))), timeout=10000)
    exported = next(tmp_path.glob("*.csv"))
    assert exported.name.startswith("amethyst-credits-plan-")
    rows = list(csv.reader(exported.open(encoding="utf-8")))
    assert rows[0] == ["date", "amount", "reason", "reference"] and [r[1:3] for r in rows[1:]] == [["150", "plan"]]


def test_cancelling_the_wait_loses_nothing(
    qtbot, context: AppContext, fake_stripe: FakeStripe, opened: list[str]
) -> None:
    page = open_billing(qtbot, context, BillingApi(fake_stripe), opened)
    controller = context.billing_controller
    qtbot.waitUntil(lambda: controller.state == BillingState.READY and len(page.pack_cards) == 5, timeout=20000)
    qtbot.mouseClick(page.pack_cards["pack-10"].button, qtbot_button())
    qtbot.waitUntil(lambda: controller.state == BillingState.WAITING, timeout=10000)
    qtbot.waitUntil(lambda: long_polls(context) == 1, timeout=10000)
    qtbot.mouseClick(page.cancel, qtbot_button())
    assert controller.state == BillingState.READY and not page.waiting.isVisible()
    qtbot.waitUntil(lambda: not context.tasks.running("billing-wait"), timeout=10000)
    qtbot.waitUntil(lambda: long_polls(context) == 0, timeout=10000)  # the server saw the app hang up
    deliver(context, event("checkout.session.completed", fake_stripe.complete(opened[-1].rsplit("/", 1)[1])))
    controller.refresh()  # the next look (a start, or opening the place) shows it
    qtbot.waitUntil(lambda: page.balance.value.text() == "10", timeout=10000)


def test_closing_the_place_stops_waiting_for_the_payment(
    qtbot, context: AppContext, fake_stripe: FakeStripe, opened: list[str]
) -> None:
    page = open_billing(qtbot, context, BillingApi(fake_stripe), opened)
    controller = context.billing_controller
    qtbot.waitUntil(lambda: controller.state == BillingState.READY and len(page.pack_cards) == 5, timeout=20000)
    qtbot.mouseClick(page.plan_cards["enterprise"].button, qtbot_button())
    qtbot.waitUntil(lambda: controller.state == BillingState.WAITING and long_polls(context) == 1, timeout=10000)
    page.close()
    assert controller.state == BillingState.READY
    qtbot.waitUntil(lambda: not context.tasks.running("billing-wait"), timeout=10000)
    qtbot.waitUntil(lambda: long_polls(context) == 0, timeout=10000)


def test_polls_back_off_to_a_longest_pause() -> None:
    assert list(itertools.islice(poll_pauses(2.0), 7)) == [2.0, 3.0, 4.5, 6.75, 10.125, 15.0, 15.0]
    assert list(itertools.islice(poll_pauses(0.05, factor=2, longest=0.1), 3)) == [0.05, 0.1, 0.1]


def test_local_connection_explains_that_local_work_is_free(
    qtbot, context: AppContext, opened: list[str], screenshot_dir: Path
) -> None:
    page = open_billing(qtbot, context, EmbeddedApi(FakeImageCompute()), opened)
    qtbot.waitUntil(lambda: context.billing_controller.state == BillingState.LOCAL, timeout=20000)
    assert page.stack.currentWidget() is page.local_gate
    assert "nothing costs credits" in page.local_gate.body_label.text()
    assert not page.pack_cards  # no buy buttons on the Local connection
    shoot(page, screenshot_dir, "local")


def test_signed_out_on_the_cloud_offers_sign_in_right_there(
    qtbot, context: AppContext, opened: list[str], screenshot_dir: Path
) -> None:
    context.settings.set("connection.kind", "cloud")
    context.settings.set("connection.cloud_url", "https://studio.example.com")
    page = open_billing(qtbot, context, EmbeddedApi(FakeImageCompute()), opened)
    qtbot.waitUntil(lambda: context.studio.state == ConnectionState.AUTH_NEEDED, timeout=20000)
    assert page.stack.currentWidget() is page.sign_in_gate
    assert page.sign_in_gate.url.text() == "https://studio.example.com"
    qtbot.mouseClick(page.sign_in_gate.sign_in, qtbot_button())
    assert "Enter your email" in page.sign_in_gate.error.text()
    shoot(page, screenshot_dir, "signed-out")


def qtbot_button() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


@pytest.mark.parametrize(
    ("plan", "usage", "shown"),
    [
        ("free", {}, "No API access"),
        ("enterprise", {"api_tokens": 0}, "API access · 0 API tokens"),
        ("enterprise", {"api_tokens": 1, "models": 3}, "API access · 1 API token"),
    ],
)
def test_the_plan_panel_shows_api_access_and_its_tokens(qtbot, plan: str, usage: dict[str, int], shown: str) -> None:
    from app.views.billing.summary import PlanPanel
    from modal_app.contract import BillingStatus, Plan
    from modal_app.plans import find_plan

    panel = PlanPanel()
    qtbot.addWidget(panel)
    status = BillingStatus(
        plan=Plan(**find_plan(plan).as_dict()),
        status="active",
        renews_at=None,
        customer=False,
        debt=0,
        usage=usage,
        last_payment_failed=False,
    )
    panel.show_status(status)
    assert shown in panel.limits.text()
    assert "API tokens" in panel.limits.toolTip() and shown in panel.accessibleName()


def test_a_problem_is_plain_text_that_can_be_copied(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    """QA: "The browser did not open. Open this address to pay: https://checkout…" could not be selected, so
    the address could not be copied; and a server's error page (``<html>…``) was drawn as rich text."""
    from PySide6.QtCore import Qt

    page = BillingPage(context)
    qtbot.addWidget(page)
    page.show()
    url = "https://checkout.stripe.com/c/pay/cs_test_1"
    for label, text in (
        (page.notice, f"The browser did not open. Open this address to pay: {url}"),
        (page.sign_in_gate.error, "<b>502</b> Bad gateway"),
    ):
        context.billing_controller.problem.emit(text)
        page.sign_in_gate.show_error(text)
        assert label.text() == text and label.textFormat() == Qt.TextFormat.PlainText
        flags = label.textInteractionFlags()
        assert flags & Qt.TextInteractionFlag.TextSelectableByMouse
        assert flags & Qt.TextInteractionFlag.TextSelectableByKeyboard


def test_cancelling_the_wait_clears_the_checkout_notice(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    """QA: after Cancel, "The browser did not open. Open this address to pay: …" stayed, asking for a payment
    the person had just called off."""
    page = BillingPage(context)
    qtbot.addWidget(page)
    page.show()
    context.billing_controller.problem.emit("The browser did not open. Open this address to pay: https://x.test/c")
    assert not page.notice.isHidden()
    page.cancel.click()
    assert page.notice.isHidden()
