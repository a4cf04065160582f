"""A local Stripe test double: the few API endpoints StripeGateway uses, over real HTTP.

stripe-mock is not installable from the package registries and localstripe has no Checkout
Sessions, so this small Flask app stands in. It speaks Stripe's wire format: form-encoded
bodies with nested keys (``line_items[0][price_data][unit_amount]``), ``Authorization: Bearer
sk_test_...``, ``Idempotency-Key`` replays (and Stripe's ``idempotency_error`` when a key comes
back with other parameters), and Stripe-shaped JSON objects and errors.

Endpoints: POST /v1/checkout/sessions, GET /v1/checkout/sessions/<id>,
POST /v1/checkout/sessions/<id>/expire, POST /v1/refunds.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request

SECRET_KEY = "sk_test_double_0123456789"
WEBHOOK_SECRET = "whsec_test_double_0123456789"


@dataclass
class RecordedRequest:
    method: str
    path: str
    form: dict[str, Any]
    idempotency_key: str | None
    authorization: str | None


class StripeError(Exception):
    """Answered as Stripe's error JSON: ``{"error": {"type": ..., "message": ...}}``."""

    def __init__(self, status: int, error_type: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.body = status, {"type": error_type, "message": message, **extra}


@dataclass
class StripeDouble:
    """The double's state; ``url`` is its API base (for ``STRIPE_API_BASE``)."""

    url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _replies: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = field(default_factory=dict)
    _failures: list[tuple[int, str]] = field(default_factory=list)
    _amount_overrides: list[int] = field(default_factory=list)

    def reset(self) -> None:
        with self.lock:
            for store in (self.sessions, self.refunds, self._replies):
                store.clear()
            for queue in (self.requests, self._failures, self._amount_overrides):
                queue.clear()

    def complete(self, session_id: str, email: str | None = None) -> dict[str, Any]:
        """The payer paid at Stripe: the session is complete and paid, with a PaymentIntent."""
        with self.lock:
            session = self.sessions[session_id]
            session.update(status="complete", payment_status="paid", url=None)
            session["payment_intent"] = _new_id("pi_test")
            session["customer_details"] = {"email": email or session.get("customer_email")}
            return session

    def fail_next(self, status: int = 500, times: int = 1, error_type: str = "api_error") -> None:
        """Answer the next ``times`` requests with a Stripe error of ``status``."""
        with self.lock:
            self._failures.extend([(status, error_type)] * times)

    def report_amount_total(self, amount: int) -> None:
        """The next session created reports this ``amount_total`` instead of the real one."""
        with self.lock:
            self._amount_overrides.append(amount)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding back into nested dicts and lists: ``a[0][b]=1`` → ``{"a": [{"b": "1"}]}``."""
    tree: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(tree)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


def _missing(resource: str, object_id: str) -> StripeError:
    return StripeError(
        404,
        "invalid_request_error",
        f"No such {resource}: '{object_id}'",
        code="resource_missing",
    )


def create_session(double: StripeDouble, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/checkout/sessions: checks what Stripe checks that the gateway relies on."""
    line_items = params.get("line_items") or []
    if params.get("mode") != "payment" or not line_items or not params.get("success_url"):
        raise StripeError(400, "invalid_request_error", "mode, line_items and success_url needed")
    now = int(time.time())
    expires_at = int(params.get("expires_at", now + 24 * 3600))
    if not now + 30 * 60 <= expires_at <= now + 24 * 3600:
        raise StripeError(
            400, "invalid_request_error", "expires_at out of range", param="expires_at"
        )
    prices = [item["price_data"] for item in line_items]
    amount = sum(
        int(p["unit_amount"]) * int(i["quantity"]) for p, i in zip(prices, line_items, strict=True)
    )
    reported = double._amount_overrides.pop(0) if double._amount_overrides else amount
    session_id = _new_id("cs_test")
    session = {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": amount,
        "amount_total": reported,
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "created": now,
        "currency": prices[0]["currency"],
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "expires_at": expires_at,
        "livemode": False,
        "locale": params.get("locale"),
        "metadata": params.get("metadata", {}),
        "mode": "payment",
        "payment_intent": None,
        "payment_method_types": params.get("payment_method_types", ["card"]),
        "payment_status": "unpaid",
        "status": "open",
        "success_url": params["success_url"],
        "url": f"{double.url}/c/pay/{session_id}",
    }
    double.sessions[session_id] = session
    return session


def expire_session(double: StripeDouble, session_id: str) -> dict[str, Any]:
    session = double.sessions.get(session_id)
    if session is None:
        raise _missing("checkout.session", session_id)
    if session["status"] != "open":
        raise StripeError(
            400,
            "invalid_request_error",
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
            f'Session has a status of "{session["status"]}".',
        )
    session.update(status="expired", url=None)
    return session


def create_refund(double: StripeDouble, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/refunds: refuses more than is left of the payment, as Stripe does."""
    payment_intent = params.get("payment_intent", "")
    paid = [s for s in double.sessions.values() if s["payment_intent"] == payment_intent]
    if not paid:
        raise _missing("payment_intent", payment_intent)
    total = paid[0]["amount_total"]
    refunded = sum(
        r["amount"] for r in double.refunds.values() if r["payment_intent"] == payment_intent
    )
    amount = int(params.get("amount", total - refunded))
    if amount + refunded > total:
        raise StripeError(
            400,
            "invalid_request_error",
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({total - refunded})",
            param="amount",
            code="amount_too_large",
        )
    refund_id = _new_id("re_test")
    refund = {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "charge": "ch_test_" + payment_intent.removeprefix("pi_test_"),
        "created": int(time.time()),
        "currency": "eur",
        "metadata": params.get("metadata", {}),
        "payment_intent": payment_intent,
        "status": "succeeded",
    }
    double.refunds[refund_id] = refund
    return refund


def create_app(double: StripeDouble) -> Flask:
    """The double's HTTP face; every request is recorded in ``double.requests``."""
    app = Flask(__name__)

    @app.before_request
    def check_request() -> Response | None:
        pairs = list(request.form.items(multi=True))
        key = request.headers.get("Idempotency-Key")
        auth = request.headers.get("Authorization")
        with double.lock:
            double.requests.append(
                RecordedRequest(request.method, request.path, unflatten(pairs), key, auth)
            )
            failure = double._failures.pop(0) if double._failures else None
        if failure:
            raise StripeError(failure[0], failure[1], "The double was told to fail this request.")
        if not (auth or "").startswith("Bearer sk_test_"):
            raise StripeError(401, "invalid_request_error", "Invalid API Key provided")
        return None

    @app.errorhandler(StripeError)
    def stripe_error(error: StripeError) -> tuple[Response, int]:
        return jsonify(error=error.body), error.status

    def idempotent(handler: Any, *args: Any) -> tuple[Response, int, dict[str, str]]:
        """Same key and parameters: the first answer again. Same key, other parameters: refused."""
        key = request.headers.get("Idempotency-Key")
        params = unflatten(list(request.form.items(multi=True)))
        with double.lock:
            if key and key in double._replies:
                first_params, status, body = double._replies[key]
                if first_params != params:
                    raise StripeError(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with.",
                    )
                return jsonify(body), status, {"Idempotent-Replayed": "true"}
            body = dict(handler(double, *args, params) if args else handler(double, params))
            if key:
                double._replies[key] = (params, 200, body)
        return jsonify(body), 200, {}

    @app.post("/v1/checkout/sessions")
    def sessions_create() -> Any:
        return idempotent(create_session)

    @app.get("/v1/checkout/sessions/<session_id>")
    def sessions_retrieve(session_id: str) -> Any:
        with double.lock:
            if session_id not in double.sessions:
                raise _missing("checkout.session", session_id)
            return jsonify(double.sessions[session_id])

    @app.post("/v1/checkout/sessions/<session_id>/expire")
    def sessions_expire(session_id: str) -> Any:
        return idempotent(lambda d, sid, _params: expire_session(d, sid), session_id)

    @app.post("/v1/refunds")
    def refunds_create() -> Any:
        return idempotent(create_refund)

    return app
