"""Cloud connection: sign up, sign in and out from the account box against a real Studio API on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from app.context import AppContext
from app.services.studio.connection import TOKEN_SECRET, ConnectionState
from app.services.studio.embedded import EmbeddedServer
from app.views.studio.account_box import AccountBox
from modal_app.api import create_app
from modal_app.settings import ServerSettings
from tests.fakes.image_compute import FakeImageCompute


@pytest.fixture
def cloud(tmp_path) -> Iterator[str]:
    settings = ServerSettings.for_data_dir(
        tmp_path / "cloud", compute=FakeImageCompute(), billing_enabled=True, signup_credits=25
    )
    server = EmbeddedServer(create_app(settings))
    yield server.start()
    server.stop()


def test_sign_up_in_and_out(qtbot, qloop, context: AppContext, cloud: str) -> None:
    context.settings.set("connection.kind", "cloud")
    box = AccountBox(context)
    qtbot.addWidget(box)
    box.show()
    badges: list[str] = []
    context.studio.credits_changed.connect(badges.append)
    assert box.form.isVisible() and not box.sign_out.isVisible()

    qtbot.keyClicks(box.email, "ada@example.com")
    box.password.setText("correct horse battery")
    qtbot.mouseClick(box.sign_up, Qt.MouseButton.LeftButton)
    assert "URL under Connection" in box.message.text()  # the address comes from the Connection section
    context.settings.set("connection.cloud_url", cloud)
    box.password.clear()
    qtbot.keyClicks(box.password, "short")
    qtbot.mouseClick(box.sign_up, Qt.MouseButton.LeftButton)
    assert "at least 8 characters" in box.message.text()

    box.password.setText("correct horse battery")
    qtbot.mouseClick(box.sign_up, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: context.studio.state == ConnectionState.CONNECTED, timeout=15000)
    qtbot.waitUntil(lambda: box.sign_out.isVisible())
    assert context.secrets.has(TOKEN_SECRET)
    assert context.settings.get("connection.cloud_url") == cloud
    assert "ada@example.com" in box.state.text()
    assert badges[-1] == "25 credits"

    qtbot.mouseClick(box.sign_out, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: context.studio.state == ConnectionState.AUTH_NEEDED, timeout=15000)
    assert not context.secrets.has(TOKEN_SECRET)
    qtbot.waitUntil(lambda: box.form.isVisible())

    box.email.setText("ada@example.com")
    box.password.setText("wrong password!")
    qtbot.mouseClick(box.sign_in, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.message.text() == "Wrong email or password.", timeout=15000)
    box.password.setText("correct horse battery")
    qtbot.keyClick(box.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: context.studio.state == ConnectionState.CONNECTED, timeout=15000)


def test_local_connection_needs_no_account(qtbot, qloop, context: AppContext) -> None:
    box = AccountBox(context)
    qtbot.addWidget(box)
    box.show()
    assert "no account" in box.state.text()
    assert not box.form.isVisible() and not box.sign_in.isVisible()
