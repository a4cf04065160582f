"""What the audit log's codes mean, in words a coordinator understands.

The log stores stable codes (``member.suspended``, ``trade_name``) so that it can be searched
and never changes; the page shows them in the reader's language. A code without a label
(added later, say) is shown as it is stored rather than hidden.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "admin.invited": _l("Coördinator uitgenodigd"),
    "category.created": _l("Categorie aangemaakt"),
    "category.updated": _l("Categorie gewijzigd"),
    "cooperative.created": _l("Coöperatie aangemaakt"),
    "cooperative.updated": _l("Coöperatie gewijzigd"),
    "cooperative.payout_threshold": _l("Drempel voor uitbetaling gewijzigd"),
    "levy_rate.created": _l("Nieuwe afdracht vastgelegd"),
    "listing.approved": _l("Aanbod goedgekeurd"),
    "listing.change_approved": _l("Wijziging van aanbod goedgekeurd"),
    "listing.changes_requested": _l("Aanpassing van aanbod gevraagd"),
    "listing.change_rejected": _l("Wijziging van aanbod niet goedgekeurd"),
    "listing.paused_by_admin": _l("Aanbod gepauzeerd door de coöperatie"),
    "member.invited": _l("Lid uitgenodigd"),
    "member.invitation_resent": _l("Uitnodiging opnieuw gestuurd"),
    "member.updated": _l("Gegevens van lid gewijzigd"),
    "member.eligibility_changed": _l("Vrijlating van lid gewijzigd"),
    "member.trial": _l("Lid op proef gezet"),
    "member.active": _l("Lid actief gemaakt"),
    "member.suspended": _l("Lid geschorst"),
    "member.left": _l("Lid vertrokken"),
    "municipality.created": _l("Gemeente toegevoegd"),
    "municipality.updated": _l("Gemeente gewijzigd"),
    "rule_version.created": _l("Regels van gemeente vastgelegd"),
    "rule_version.updated": _l("Regels van gemeente gewijzigd"),
    "period.closed": _l("Maand of kwartaal afgesloten"),
    "settlement_report.corrected": _l("Rapport aan gemeente gecorrigeerd"),
    "payout.created": _l("Uitbetaling klaargezet"),
    "payout.exported": _l("Betaalbestand gemaakt"),
    "payout.executed": _l("Uitbetaling uitgevoerd"),
    "payout.cancelled": _l("Uitbetaling geannuleerd"),
}

FIELDS = {
    "name": _l("naam"),
    "slug": _l("korte naam"),
    "trade_name": _l("handelsnaam"),
    "status": _l("status"),
    "state": _l("status"),
    "email": _l("e-mailadres"),
    "phone": _l("telefoon"),
    "iban": _l("IBAN"),
    "kvk_number": _l("KvK-nummer"),
    "vat_id": _l("btw-nummer"),
    "client_number": _l("klantnummer bij de gemeente"),
    "municipality_id": _l("gemeente"),
    "cooperative_id": _l("coöperatie"),
    "parent_id": _l("hoofdcategorie"),
    "bio": _l("over mij"),
    "street": _l("straat"),
    "postcode": _l("postcode"),
    "city": _l("plaats"),
    "cbs_code": _l("CBS-code"),
    "exemption_eligible": _l("recht op vrijlating"),
    "exemption_end": _l("vrijlating tot en met"),
    "effective_from": _l("geldt vanaf"),
    "levy_bp": _l("afdracht"),
    "payout_threshold_cents": _l("drempel voor uitbetaling"),
    "feedback": _l("toelichting"),
    "paused_by_admin": _l("gepauzeerd door de coöperatie"),
}


def action_label(code: str) -> str:
    label = ACTIONS.get(code)
    return str(label) if label is not None else code


def field_label(name: str) -> str:
    label = FIELDS.get(name)
    return str(label) if label is not None else name
