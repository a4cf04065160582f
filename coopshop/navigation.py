"""The main menu, which differs per role."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.accounts.models import Role


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    current: bool


def menu_for_role(role: str | None) -> list[tuple[str, str]]:
    """(label, endpoint) pairs, in the order they appear. Endpoints that need the user's
    cooperative get it from ``endpoint_arguments``."""
    items = [(_("Winkel"), "site.home"), (_("Coöperaties"), "storefront.cooperatives")]
    if role == Role.NETWORK_ADMIN:
        items += [
            (_("Netwerk"), "network.dashboard"),
            (_("Categorieën"), "categories.index"),
            (_("Gemeenten"), "network.municipalities"),
            (_("Leden"), "members.dashboard"),
            (_("Kopers"), "network.buyers"),
            (_("Rapporten"), "settlement.report_list"),
            (_("Logboek"), "audit.log"),
        ]
    elif role == Role.COOP_ADMIN:
        items += [
            (_("Coöperatie"), "members.dashboard"),
            (_("Beoordelen"), "moderation.queue"),
            (_("Overzicht leden"), "statements.member_overview"),
            (_("Steunfonds"), "statements.fund"),
            (_("Bestellingen"), "order_admin.index"),
            (_("Facturen"), "invoicing.cooperative_invoices"),
            (_("Verrekening"), "settlement.index"),
            (_("Uitbetalingen"), "payouts.index"),
            (_("Logboek"), "audit.log"),
        ]
    elif role == Role.MEMBER:
        items += [
            (_("Bestellingen"), "member_orders.index"),
            (_("Mijn aanbod"), "listings.index"),
            (_("Mijn gegevens"), "members.my_dashboard"),
            (_("Mijn verdiensten"), "statements.my_earnings"),
            (_("Mijn verrekening"), "settlement.my_settlement"),
        ]
    elif role == Role.BUYER:
        items += [
            (_("Mijn bestellingen"), "orders.my_orders"),
            (_("Mijn account"), "accounts.profile"),
        ]
    else:
        items += [(_("Account aanmaken"), "accounts.register")]
    return items


COOPERATIVE_ENDPOINTS = {
    "statements.member_overview",
    "statements.fund",
    "invoicing.cooperative_invoices",
    "settlement.index",
    "payouts.index",
    "order_admin.index",
}


def endpoint_arguments(endpoint: str) -> dict[str, int]:
    if endpoint in COOPERATIVE_ENDPOINTS:
        return {"cooperative_id": current_user.cooperative_id}
    return {}


def main_menu() -> list[MenuItem]:
    role = current_user.role if current_user.is_authenticated else None
    return [
        MenuItem(
            label, url_for(endpoint, **endpoint_arguments(endpoint)), request.endpoint == endpoint
        )
        for label, endpoint in menu_for_role(role)
    ]
