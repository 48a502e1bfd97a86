"""``python -m bench billing``: signed Stripe webhooks applied per second on loopback, and the ledger table's
first paint with 10,000 entries.

Prints ``{"name": "billing", "webhooks_per_s": …, "webhook_cpu_ms": …, "history_entries": 10000,
"history_first_paint_ms": …, "calibration_ms": …}``; ``webhook_cpu_ms`` is this process's CPU time per
delivery, the loopback client's and the server's together (steadier than the rate on a shared machine).
The webhooks go to the real app under uvicorn (signature checked by the stripe SDK, each event applied once
in its own transaction on SQLite); the run fails if the balance is not exact.
Budgets (DESIGN.md): ≥ 200 webhooks/s, < 150 ms first paint.
"""

from __future__ import annotations

import asyncio
import json
import socket
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import stripe
import uvicorn

from bench._calibration import calibration_ms

SECRET = "whsec_bench"
WEBHOOKS = 600
CONCURRENCY = 8
HISTORY = 10_000


def _event(number: int, account_id: str) -> dict[str, Any]:
    session = {
        "id": f"cs_bench_{number:06d}",
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": "paid",
        "client_reference_id": account_id,
        "metadata": {"account_id": account_id, "pack": "pack-10", "credits": "10"},
        "customer": "cus_bench",
        "payment_intent": f"pi_bench_{number:06d}",
        "amount_total": 500,
    }
    return {
        "id": f"evt_bench_{number:06d}",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "data": {"object": session},
    }


def webhooks_per_second(folder: Path) -> tuple[float, float]:
    """(deliveries per second, CPU ms per delivery: this process's, the client's and the server's together)."""
    from modal_app.api import create_app
    from modal_app.settings import ServerSettings

    settings = ServerSettings.for_data_dir(folder, billing_enabled=True, stripe_webhook_secret=SECRET)
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        return asyncio.run(_deliver_all(url))
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        app.state.services.close()


async def _deliver_all(url: str) -> tuple[float, float]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        answer = await client.post("/v1/accounts", json={"email": "load@example.com", "password": "violet harbour 42"})
        token = answer.json()["token"]
        account_id = (await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})).json()["account"]["id"]
        bodies = []
        for number in range(WEBHOOKS):
            body = json.dumps(_event(number, account_id))
            bodies.append((body, stripe.WebhookSignature.generate_signature_header(body, SECRET)))
        queue = list(reversed(bodies))

        async def worker() -> None:
            while queue:
                body, header = queue.pop()
                response = await client.post("/v1/stripe/webhook", content=body, headers={"Stripe-Signature": header})
                if response.json().get("outcome") != "applied":
                    raise RuntimeError(f"webhook not applied: {response.text}")

        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        credits = (await client.get("/v1/credits", headers={"Authorization": f"Bearer {token}"})).json()
        if credits["balance"] != WEBHOOKS * 10:
            raise RuntimeError(f"balance {credits['balance']} != {WEBHOOKS * 10}: an event was lost or applied twice")
    return WEBHOOKS / elapsed, cpu * 1000 / WEBHOOKS


def history_first_paint_ms() -> float:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from app.views.theme import apply_theme
    from modal_app.contract import LedgerItem

    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    from app.views.billing.history import HistoryPanel

    start = datetime(2026, 1, 1, tzinfo=UTC)
    reasons = ("image", "pack", "plan", "refund")
    entries = [
        LedgerItem(
            id=n,
            amount=(-2 if n % 4 == 0 else 10),
            reason=reasons[n % 4],
            reference=f"ref-{n}",
            created_at=start + timedelta(minutes=n),
        )
        for n in range(HISTORY, 0, -1)
    ]
    painted = []

    class Watch(QObject):
        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(time.perf_counter())
            return False

    started = time.perf_counter()
    panel = HistoryPanel()
    watch = Watch()
    panel.table.viewport().installEventFilter(watch)
    panel.set_entries(entries)
    panel.resize(1000, 600)
    panel.show()
    while not painted:
        app.processEvents()
    result = (painted[0] - started) * 1000
    panel.close()
    return result


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        rate, cpu_ms = webhooks_per_second(Path(folder))
    return {
        "name": "billing",
        "webhooks_per_s": round(rate, 1),
        "webhook_cpu_ms": round(cpu_ms, 2),
        "history_entries": HISTORY,
        "history_first_paint_ms": round(history_first_paint_ms(), 1),
        "calibration_ms": calibration_ms(),
    }
