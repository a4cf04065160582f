"""The named errors of ordering; each carries a plain Dutch message for the buyer or member."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from coopshop.errors import Conflict, DomainError, NotFound


class OrderError(DomainError):
    """Base class of the ordering errors."""


class OutOfStock(Conflict):
    """Fewer items are in stock than asked for; nothing was reserved."""

    default_message = _l(
        "Dit is helaas net uitverkocht. Er is niets afgeschreven. "
        "Pas het aantal in uw winkelwagen aan of kies iets anders."
    )

    def __init__(self, message: str | None = None, *, title: str | None = None) -> None:
        if message is None and title is not None:
            message = str(
                _l(
                    "Van “%(title)s” is niet genoeg meer op voorraad. Er is niets afgeschreven. "
                    "Pas het aantal in uw winkelwagen aan of kies iets anders.",
                    title=title,
                )
            )
        super().__init__(message)
        self.title = title


class ListingUnavailable(OrderError):
    """The listing is not (or no longer) for sale in the shop."""

    default_message = _l("Dit aanbod is niet meer te koop.")


class InvalidCartChoice(OrderError):
    """A quantity below 1 or a delivery option the listing does not offer."""

    default_message = _l("Kies een aantal van 1 of meer en een manier van leveren.")


class EmptyCart(OrderError):
    """There is nothing to check out."""

    default_message = _l("Uw winkelwagen is leeg. Kies eerst iets in de winkel.")


class OrderNotFound(NotFound):
    """No order with this reference, or the secret link does not match it."""

    default_message = _l("Deze bestelling bestaat niet, of de link is niet compleet.")


class TransitionNotAllowed(Conflict):
    """The order or line is not in a state where this can happen (any more)."""

    default_message = _l("Dit kan niet meer bij deze bestelling. Laad de pagina opnieuw.")


class RefundNotPossible(Conflict):
    """Nothing (or not that much) is left to refund, or the order was never paid."""

    default_message = _l("Dit bedrag kan niet worden terugbetaald.")


class ReasonRequired(OrderError):
    """Declining a line needs a reason the buyer can read."""

    default_message = _l("Schrijf op waarom u dit niet kunt leveren. De klant krijgt dit te lezen.")
