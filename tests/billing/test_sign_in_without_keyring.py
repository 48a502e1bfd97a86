"""Signing in to a Cloud Studio API on a computer without a usable system keyring (QA: creating an account in
the Billing place raised ``SecretsUnavailable`` into the "Something went wrong" dialog, after the server had
made the account, so trying again said the account exists and signing in failed the same way)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt

from app.context import AppContext, build_context
from app.log import Redactor
from app.paths import Paths
from app.services.billing.controller import BillingState
from app.services.secrets import lasting_keyring_advice
from app.services.studio.connection import TOKEN_SECRET, ConnectionState
from app.views.billing.page import BillingPage
from modal_app.api import create_app
from modal_app.settings import ServerSettings
from tests.fakes.image_compute import FakeImageCompute
from tests.server.conftest import live_server


@pytest.fixture
def no_keyring(tmp_path: Path) -> Iterator[AppContext]:
    context = build_context(
        Paths.resolve(tmp_path / "data"),
        redactor=Redactor(),
        keyring_backend=keyring.backends.fail.Keyring(),
        environ={},
    )
    yield context
    context.close()


@pytest.fixture
def cloud_url(tmp_path: Path) -> Iterator[str]:
    app = create_app(ServerSettings.for_data_dir(tmp_path / "studio", compute=FakeImageCompute(), billing_enabled=True))
    with live_server(app) as url:
        yield url
    app.state.services.close()


def test_an_account_made_without_a_keyring_signs_in_for_this_session(qtbot, qloop, no_keyring, cloud_url) -> None:  # type: ignore[no-untyped-def]
    context = no_keyring
    context.settings.set("connection.kind", "cloud")
    context.settings.set("connection.cloud_url", cloud_url)
    context.url_opener = lambda url: True
    page = BillingPage(context)
    qtbot.addWidget(page)
    page.show()
    context.studio.start_reconnect()
    qtbot.waitUntil(lambda: context.studio.state == ConnectionState.AUTH_NEEDED, timeout=20000)
    gate = page.sign_in_gate
    gate.email.setText("ada@example.com")
    gate.password.setText("correct horse battery")
    notes: list[tuple[str, str]] = []
    context.billing_controller.caution.connect(lambda title, body: notes.append((title, body)))
    qtbot.mouseClick(gate.sign_up, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: context.billing_controller.state == BillingState.READY, timeout=20000)
    assert context.studio.state == ConnectionState.CONNECTED
    assert context.secrets.session_only(TOKEN_SECRET)
    assert notes and "this session only" in notes[-1][0] and lasting_keyring_advice() in notes[-1][1]
    assert gate.error.text() == ""
    qtbot.waitUntil(lambda: page.notice.isVisible(), timeout=5000)
    assert page.notice.property("role") == "warning"  # it asks for attention: not the green of a success
