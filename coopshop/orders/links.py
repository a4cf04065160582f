"""Absolute links to order pages, also outside a request (CLI commands, workers)."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for

from coopshop.orders.access import access_token
from coopshop.orders.models import Order


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL when the host is known (a request or SERVER_NAME), else a path."""
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def order_link(order: Order, **query: Any) -> str:
    """The buyer's secret link to the order page."""
    return external_url(
        "orders.order_page", reference=order.reference, token=access_token(order.reference), **query
    )
