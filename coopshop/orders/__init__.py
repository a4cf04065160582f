"""orders: the cart, checkout, order lines and their states, and the payment webhook handler.

Orders sit above invoicing and the ledger and use the payments gateway, which never imports
orders: the gateway hands verified events to the one handler that ``init_app`` registers here
(``webhook.handle_payment_events``), and orders decide what a payment means.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the payment event handler, the renderers of invoice PDFs and confirmation
    texts for the outbox,
    the cart merge on log-in and the ``coopshop orders`` commands."""
    from flask_login import user_logged_in

    from coopshop.mail.services import register_attachment_renderer, register_body_renderer
    from coopshop.orders.cart import merge_session_cart
    from coopshop.orders.cli import orders_group
    from coopshop.orders.notifications import (
        CONFIRMATION,
        INVOICE_PDF,
        MEMBER_NOTICE,
        render_confirmation,
        render_invoice_attachment,
        render_member_notice,
    )
    from coopshop.orders.webhook import handle_payment_events
    from coopshop.payments.webhooks import register_handler

    register_handler(handle_payment_events, app)
    register_attachment_renderer(INVOICE_PDF, render_invoice_attachment, app)
    register_body_renderer(CONFIRMATION, render_confirmation, app)
    register_body_renderer(MEMBER_NOTICE, render_member_notice, app)
    user_logged_in.connect(merge_session_cart, app)
    app.cli.add_command(orders_group)
