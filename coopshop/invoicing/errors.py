"""The named errors of invoicing. Nothing is stored when one is raised.

Messages are plain Dutch, not gettext: invoices are also issued outside requests (webhooks,
workers), where no locale can be selected.
"""

from __future__ import annotations

from coopshop.errors import Conflict, DomainError


class InvoicingError(DomainError):
    """Base class of the invoicing errors."""


class EmptyInvoice(InvoicingError):
    """An invoice needs at least one line; a credit note at least one refund."""


class InvalidInvoiceLine(InvoicingError):
    """A line has no description, a quantity below 1, a negative price or an unknown VAT rate."""


class MemberNotInCooperative(InvoicingError):
    """A line names a member who does not belong to the invoicing cooperative."""


class NoLevyRate(InvoicingError):
    """The cooperative has no support-fund levy in force on the issue date."""

    status_code = 500


class NotAnInvoice(Conflict):
    """Only an invoice can be corrected by a credit note (not another credit note)."""


class InvalidCreditNote(InvoicingError):
    """A refund names a line of another invoice, names a line twice, is not positive, or the
    credit note would be dated before the invoice."""


class RefundExceedsInvoice(Conflict):
    """A refund is larger than what is left of the line after earlier credit notes."""
