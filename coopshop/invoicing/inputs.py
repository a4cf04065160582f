"""What issuing takes: the buyer's details and the lines, and the checks made before anything
is stored or a number is taken."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from coopshop.cooperatives.models import Cooperative, Member
from coopshop.extensions import db
from coopshop.invoicing.errors import (
    EmptyInvoice,
    InvalidCreditNote,
    InvalidInvoiceLine,
    MemberNotInCooperative,
)
from coopshop.invoicing.models import Invoice, InvoiceLine
from coopshop.money import InvalidRate, VatRate


@dataclass(frozen=True)
class BuyerDetails:
    """Who the invoice is addressed to; company fields and PO reference for business buyers.

    ``user_id`` is the account that may download the PDF (None for a guest checkout).
    """

    name: str
    email: str
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    company_name: str | None = None
    kvk_number: str | None = None
    vat_id: str | None = None
    purchase_order_reference: str | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class InvoiceLineInput:
    """One line to invoice: the member who provides it (and their trade name), what, how many,
    the unit price including VAT, and the VAT rate (21, 9, 0 or "exempt")."""

    member_id: int
    provider_name: str
    description: str
    quantity: int
    unit_gross_cents: int
    vat_rate: VatRate | int | str


def checked_rates(lines: Sequence[InvoiceLineInput]) -> list[VatRate]:
    """Each line's VAT rate; raise EmptyInvoice or InvalidInvoiceLine for a line that cannot be."""
    if not lines:
        raise EmptyInvoice("Een factuur heeft minstens één regel nodig.")
    rates = []
    for line in lines:
        if not line.description.strip() or not line.provider_name.strip():
            raise InvalidInvoiceLine("Elke regel heeft een omschrijving en een leverancier.")
        if not is_cents(line.quantity) or line.quantity < 1:
            raise InvalidInvoiceLine(f"Aantal moet 1 of meer zijn, niet {line.quantity!r}.")
        if not is_cents(line.unit_gross_cents) or line.unit_gross_cents < 0:
            raise InvalidInvoiceLine(f"Ongeldige prijs {line.unit_gross_cents!r}.")
        try:
            rates.append(VatRate.parse(line.vat_rate))
        except InvalidRate:
            raise InvalidInvoiceLine(f"Onbekend btw-tarief {line.vat_rate!r}.") from None
    return rates


def is_cents(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def require_members_of(cooperative: Cooperative, member_ids: set[int]) -> None:
    """Raise MemberNotInCooperative unless every member belongs to the cooperative."""
    found = set(
        db.session.scalars(
            select(Member.id).where(
                Member.id.in_(member_ids), Member.cooperative_id == cooperative.id
            )
        )
    )
    if found != member_ids:
        missing = ", ".join(str(member_id) for member_id in sorted(member_ids - found))
        raise MemberNotInCooperative(f"Lid {missing} hoort niet bij {cooperative.name}.")


def require_members_of_each(members: dict[Cooperative, set[int]]) -> None:
    """:func:`require_members_of` for several cooperatives at once, in one query."""
    wanted = {member_id for member_ids in members.values() for member_id in member_ids}
    found = dict(
        db.session.execute(
            select(Member.id, Member.cooperative_id).where(Member.id.in_(wanted))
        ).all()
    )
    for cooperative, member_ids in members.items():
        wrong = sorted(
            member_id for member_id in member_ids if found.get(member_id) != cooperative.id
        )
        if wrong:
            missing = ", ".join(str(member_id) for member_id in wrong)
            raise MemberNotInCooperative(f"Lid {missing} hoort niet bij {cooperative.name}.")


def check_refunds(
    invoice: Invoice, refunds: Sequence[tuple[InvoiceLine, int]], issue_date: date, reason: str
) -> None:
    """Raise EmptyInvoice or InvalidCreditNote for refunds that cannot be credited at all:
    none, no reason, dated before the invoice, a line twice or of another invoice, not positive.
    Whether a refund fits what is left of its line is for :func:`split_refund` to say."""
    if not reason.strip():
        raise InvalidCreditNote("Geef de reden van de creditnota.")
    if not refunds:
        raise EmptyInvoice("Een creditnota heeft minstens één regel nodig.")
    if issue_date < invoice.issue_date:
        raise InvalidCreditNote("Een creditnota kan niet eerder gedateerd zijn dan de factuur.")
    line_ids = [line.id for line, _ in refunds]
    if len(set(line_ids)) != len(line_ids):
        raise InvalidCreditNote("Elke factuurregel mag maar één keer op een creditnota staan.")
    for line, cents in refunds:
        if line.invoice_id != invoice.id:
            raise InvalidCreditNote(f"Regel {line.id} staat niet op factuur {invoice.number}.")
        if not is_cents(cents) or cents <= 0:
            raise InvalidCreditNote(f"Een terugbetaling moet positief zijn, niet {cents!r}.")
