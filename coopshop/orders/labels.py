"""Dutch words for the stored values of orders, as template filters."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from coopshop.orders.models import Delivery, LineState, OrderState

DELIVERY_LABELS = {
    Delivery.PICKUP: _l("Ophalen bij de ondernemer"),
    Delivery.SHIPPING: _l("Opsturen"),
    Delivery.ON_SITE: _l("De ondernemer komt bij u"),
    Delivery.ONLINE: _l("Online"),
}
ORDER_STATE_LABELS = {
    OrderState.AWAITING_PAYMENT: _l("Wacht op betaling"),
    OrderState.PAID: _l("Betaald"),
    OrderState.EXPIRED: _l("Niet betaald (verlopen of geannuleerd)"),
    OrderState.FAILED: _l("Betaling mislukt"),
    OrderState.COMPLETED: _l("Afgerond"),
    OrderState.CANCELLED: _l("Geannuleerd"),
}
LINE_STATE_LABELS = {
    LineState.PENDING: _l("Wacht op betaling"),
    LineState.OPEN: _l("Wacht op de ondernemer"),
    LineState.ACCEPTED: _l("Geaccepteerd"),
    LineState.DELIVERED: _l("Geleverd"),
    LineState.DECLINED: _l("Geweigerd, geld teruggestort"),
    LineState.CANCELLED: _l("Geannuleerd, geld teruggestort"),
    LineState.VOID: _l("Niet betaald"),
}
EVENT_LABELS = {
    "placed": _l("Bestelling geplaatst"),
    "pay": _l("Betaald"),
    "expire": _l("Betaaltijd verlopen of betaling geannuleerd"),
    "fail": _l("Betaling mislukt"),
    "void": _l("Niet betaald"),
    "accept": _l("Geaccepteerd door de ondernemer"),
    "deliver": _l("Geleverd"),
    "decline": _l("Geweigerd door de ondernemer"),
    "cancel": _l("Geannuleerd"),
    "complete": _l("Bestelling afgerond"),
    "refund": _l("Geld teruggestort"),
    "late_payment_refunded": _l("Te late betaling teruggestort"),
    "amount_mismatch": _l("Betaald bedrag klopt niet"),
}
ACTOR_LABELS = {
    "buyer": _l("klant"),
    "member": _l("ondernemer"),
    "coop_admin": _l("coördinator"),
    "network_admin": _l("netwerkbeheer"),
    "payment": _l("betaaldienst"),
    "system": _l("systeem"),
}


def label(labels: dict, value: str | None) -> str:
    return str(labels.get(value, value or ""))


def register(bp: Blueprint) -> None:
    bp.add_app_template_filter(lambda v: label(DELIVERY_LABELS, v), "delivery")
    bp.add_app_template_filter(lambda v: label(ORDER_STATE_LABELS, v), "order_state")
    bp.add_app_template_filter(lambda v: label(LINE_STATE_LABELS, v), "line_state")
    bp.add_app_template_filter(lambda v: label(EVENT_LABELS, v), "order_event")
    bp.add_app_template_filter(lambda v: label(ACTOR_LABELS, v), "order_actor")
