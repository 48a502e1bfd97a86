"""A loopback fake of the two Stripe endpoints the server calls, and Stripe-shaped webhook events.

``FakeStripe`` serves ``POST /v1/checkout/sessions`` and ``POST /v1/billing_portal/sessions`` over real
HTTP, so the real ``stripe`` SDK talks to it (``StripeClient(base_addresses={"api": fake.url})``). It follows
Stripe's documented shapes (API reference: "The Checkout Session object", "The portal session object",
"Errors", "Idempotent requests"): form-encoded bodies with bracketed keys, ``Authorization: Bearer sk_…``,
errors as ``{"error": {"type", "code", "message", "param"}}`` with 400/401, and a request repeated with the
same ``Idempotency-Key`` answered with the first response (different parameters: 400 ``idempotency_error``).

It also plays Stripe's side after payment: ``complete(session_id)`` marks a session paid and returns the
objects that webhook events carry; ``event(type, obj)`` wraps one in an event and ``signed(event, secret)``
signs the body as Stripe does (``stripe.WebhookSignature.generate_signature_header``).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import stripe

PRICES: dict[str, dict[str, Any]] = {
    "price_pack10": {"unit_amount": 500, "recurring": None},
    "price_pack25": {"unit_amount": 1000, "recurring": None},
    "price_pack50": {"unit_amount": 2000, "recurring": None},
    "price_pack100": {"unit_amount": 3500, "recurring": None},
    "price_pack250": {"unit_amount": 8000, "recurring": None},
    "price_pro": {"unit_amount": 5000, "recurring": {"interval": "month"}},
    "price_enterprise": {"unit_amount": 45000, "recurring": {"interval": "month"}},
}
SERVER_PRICES = {
    "pack-10": "price_pack10",
    "pack-25": "price_pack25",
    "pack-50": "price_pack50",
    "pack-100": "price_pack100",
    "pack-250": "price_pack250",
    "pro": "price_pro",
    "enterprise": "price_enterprise",
}
SECRET_KEY = "sk_test_amethyst"
WEBHOOK_SECRET = "whsec_test_amethyst"


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``line_items[0][price]=p`` → ``{"line_items": [{"price": "p"}]}`` (Stripe's form encoding)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node: Any = root
        for part, following in itertools.pairwise(parts):
            child_default: Any = [] if following.isdigit() else {}
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(child_default)
                node = node[index]
            else:
                node = node.setdefault(part, child_default)
        last = parts[-1]
        if isinstance(node, list):
            node.append(value)
        else:
            node[last] = value
    return root


@dataclass
class Recorded:
    path: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class FakeStripe:
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: set[str] = field(default_factory=set)
    requests: list[Recorded] = field(default_factory=list)
    _replays: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # --- serving -----------------------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                status, answer = fake.handle(self.path, body, dict(self.headers.items()))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Request-Id", f"req_{next(fake._ids)}")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="fake-stripe", daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, path: str, body: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        params = unflatten(parse_qsl(body, keep_blank_values=True))
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self.requests.append(Recorded(path, params, lowered))
            if lowered.get("authorization") != f"Bearer {SECRET_KEY}":
                return 401, _error("invalid_request_error", None, "Invalid API Key provided.")
            key = lowered.get("idempotency-key")
            if key and key in self._replays:
                first_body, status, answer = self._replays[key]
                if first_body != body:
                    message = (
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        "used with."
                    )
                    return 400, _error("idempotency_error", None, message)
                return status, answer
            if path == "/v1/checkout/sessions":
                status, answer = self._create_checkout(params)
            elif path == "/v1/billing_portal/sessions":
                status, answer = self._create_portal(params)
            else:
                status, answer = 404, _error("invalid_request_error", None, f"Unrecognized request URL (POST: {path}).")
            if key:
                self._replays[key] = (body, status, answer)
            return status, answer

    def _create_checkout(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        mode = params.get("mode")
        if mode not in {"payment", "subscription", "setup"}:
            return 400, _error("invalid_request_error", "parameter_missing", "Missing required param: mode.", "mode")
        items = params.get("line_items") or []
        if not items:
            return 400, _error("invalid_request_error", "parameter_missing", "Missing required param: line_items.")
        price = PRICES.get(items[0].get("price", ""))
        if price is None:
            return 400, _error("invalid_request_error", "resource_missing", f"No such price: '{items[0].get('price')}'")
        if (price["recurring"] is not None) != (mode == "subscription"):
            message = (
                "You must be in subscription mode to specify a recurring price."
                if price["recurring"]
                else ("You specified `subscription` mode but passed only one-time prices.")
            )
            return 400, _error("invalid_request_error", None, message, "line_items")
        if not params.get("success_url"):
            return 400, _error("invalid_request_error", "parameter_missing", "Missing required param: success_url.")
        number = next(self._ids)
        session_id = f"cs_test_{number:08d}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": mode,
            "status": "open",
            "payment_status": "unpaid",
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "client_reference_id": params.get("client_reference_id"),
            "customer": params.get("customer"),
            "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata") or {},
            "amount_total": price["unit_amount"] * int(items[0].get("quantity", 1)),
            "currency": "usd",
            "success_url": params["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id),
            "cancel_url": params.get("cancel_url"),
            "payment_intent": None,
            "subscription": None,
            "created": int(time.time()),
            "livemode": False,
        }
        self.sessions[session_id] = {**session, "_params": params}
        return 200, session

    def _create_portal(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        customer = params.get("customer")
        if not customer:
            return 400, _error("invalid_request_error", "parameter_missing", "Missing required param: customer.")
        if customer not in self.customers:
            return 400, _error(
                "invalid_request_error", "resource_missing", f"No such customer: '{customer}'", "customer"
            )
        number = next(self._ids)
        return 200, {
            "id": f"bps_test_{number:08d}",
            "object": "billing_portal.session",
            "customer": customer,
            "return_url": params.get("return_url"),
            "url": f"https://billing.stripe.com/p/session/test_{number:08d}",
            "livemode": False,
            "created": int(time.time()),
        }

    # --- Stripe's side after payment ---------------------------------------------------------------
    def complete(self, session_id: str, paid: bool = True) -> dict[str, Any]:
        """Mark the session complete (paid, or awaiting an asynchronous payment) as Checkout does; returns the
        session object a ``checkout.session.completed`` event carries."""
        with self._lock:
            session = self.sessions[session_id]
            number = next(self._ids)
            customer = session["customer"] or f"cus_test_{number:08d}"
            self.customers.add(customer)
            session.update(status="complete", payment_status="paid" if paid else "unpaid", customer=customer)
            if session["mode"] == "payment":
                session["payment_intent"] = f"pi_test_{number:08d}"
            else:
                session["subscription"] = f"sub_test_{number:08d}"
            return {k: v for k, v in session.items() if not k.startswith("_")}

    def subscription(self, session_id: str, status: str = "active", period_end: int | None = None) -> dict[str, Any]:
        """The Subscription object a completed subscription-mode session created."""
        session = self.sessions[session_id]
        params = session["_params"]
        price_id = params["line_items"][0]["price"]
        end = period_end or int(time.time()) + 30 * 86400
        return {
            "id": session["subscription"],
            "object": "subscription",
            "customer": session["customer"],
            "status": status,
            "metadata": (params.get("subscription_data") or {}).get("metadata") or {},
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": f"si_{session['subscription']}",
                        "object": "subscription_item",
                        "price": {"id": price_id, "object": "price", **PRICES[price_id]},
                        "current_period_start": end - 30 * 86400,
                        "current_period_end": end,
                    }
                ],
            },
        }

    def invoice(self, session_id: str, number: int = 1) -> dict[str, Any]:
        """A paid Invoice of the session's subscription (API 2025-03-31+: the subscription under ``parent``)."""
        sub = self.subscription(session_id)
        price = sub["items"]["data"][0]["price"]
        return {
            "id": f"in_{sub['id']}_{number}",
            "object": "invoice",
            "customer": sub["customer"],
            "status": "paid",
            "amount_paid": price["unit_amount"],
            "billing_reason": "subscription_create" if number == 1 else "subscription_cycle",
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": sub["id"], "metadata": sub["metadata"]},
            },
            "lines": {
                "object": "list",
                "data": [{"id": f"il_{number}", "pricing": {"price_details": {"price": price["id"]}}}],
            },
        }

    def charge_refunded(self, session_id: str, amount_refunded: int) -> dict[str, Any]:
        """The Charge of the session's payment after refunds totalling ``amount_refunded`` cents."""
        session = self.sessions[session_id]
        return {
            "id": f"ch_{session['payment_intent']}",
            "object": "charge",
            "payment_intent": session["payment_intent"],
            "customer": session["customer"],
            "amount": session["amount_total"],
            "amount_refunded": amount_refunded,
            "refunded": amount_refunded >= session["amount_total"],
        }


_event_ids = itertools.count(1)


def event(kind: str, obj: dict[str, Any], created: int | None = None, event_id: str | None = None) -> dict[str, Any]:
    """A v1 snapshot event as Stripe sends it to a webhook endpoint."""
    return {
        "id": event_id or f"evt_test_{next(_event_ids):010d}",
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": created or int(time.time()),
        "type": kind,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }


def signed(evt: dict[str, Any], secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    """The body and ``Stripe-Signature`` header Stripe would send for ``evt``."""
    body = json.dumps(evt)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return body.encode(), header


def _error(kind: str, code: str | None, message: str, param: str | None = None) -> dict[str, Any]:
    return {"error": {"type": kind, "code": code, "message": message, "param": param}}
