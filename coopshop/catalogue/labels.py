"""Dutch words for the catalogue's stored values, as template filters."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from coopshop.catalogue.forms import UNIT_LABELS
from coopshop.catalogue.models import ListingKind, ListingState

STATE_LABELS = {
    ListingState.DRAFT: _l("Concept"),
    ListingState.IN_REVIEW: _l("Wacht op beoordeling"),
    ListingState.PUBLISHED: _l("In de winkel"),
    ListingState.PAUSED: _l("Gepauzeerd"),
    ListingState.REJECTED: _l("Aanpassing gevraagd"),
    ListingState.ARCHIVED: _l("Gearchiveerd"),
}
EVENT_LABELS = {
    "created": _l("Aangemaakt als concept"),
    "submit": _l("Ingestuurd voor beoordeling"),
    "approved": _l("Goedgekeurd en in de winkel gezet"),
    "changes_requested": _l("Aanpassing gevraagd"),
    "pause": _l("Gepauzeerd"),
    "resume": _l("Weer in de winkel gezet"),
    "archive": _l("Gearchiveerd"),
    "change_submitted": _l("Wijziging ingestuurd"),
    "change_approved": _l("Wijziging goedgekeurd"),
    "change_rejected": _l("Wijziging niet goedgekeurd"),
    "change_withdrawn": _l("Wijziging ingetrokken"),
    "paused_by_admin": _l("Gepauzeerd door de coördinator"),
}
KIND_LABELS = {ListingKind.PRODUCT: _l("Product"), ListingKind.SERVICE: _l("Dienst")}
VAT_SHORT = {"21": "21 %", "9": "9 %", "0": "0 %", "exempt": _l("vrijgesteld")}


def label(labels: dict, value: str) -> str:
    return str(labels.get(value, value))


def register(bp: Blueprint) -> None:
    bp.add_app_template_filter(lambda v: label(UNIT_LABELS, v), "unit")
    bp.add_app_template_filter(lambda v: label(STATE_LABELS, v), "listing_state")
    bp.add_app_template_filter(lambda v: label(EVENT_LABELS, v), "listing_event")
    bp.add_app_template_filter(lambda v: label(KIND_LABELS, v), "listing_kind")
    bp.add_app_template_filter(lambda v: label(VAT_SHORT, v), "vat")
