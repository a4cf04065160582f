"""Forms of the cart, the checkout, and of handling and refunding order lines."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields import IntegerField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import NumberInput

from coopshop import identifiers
from coopshop.accounts.forms import BuyerDetailsMixin, buyer_email_field, buyer_name_field
from coopshop.forms import EuroField, IdentifierField, empty_to_none, strip_filter
from coopshop.money import format_eur
from coopshop.orders.cart import MAX_QUANTITY
from coopshop.orders.labels import DELIVERY_LABELS


def quantity_field() -> IntegerField:
    return IntegerField(
        _l("Aantal"),
        default=1,
        widget=NumberInput(min=1, max=MAX_QUANTITY),
        validators=[
            InputRequired(_l("Vul een aantal in.")),
            NumberRange(1, MAX_QUANTITY, _l("Kies een aantal van 1 tot en met 99.")),
        ],
    )


def delivery_field() -> RadioField:
    return RadioField(
        _l("Hoe wilt u het ontvangen?"),
        validators=[InputRequired(_l("Kies hoe u het wilt ontvangen."))],
    )


def delivery_choices(options: list[tuple[str, int]]) -> list[tuple[str, str]]:
    """(value, label) per delivery option; a cost is shown in the label."""
    return [
        (
            value,
            f"{DELIVERY_LABELS[value]} ({format_eur(cost)})"
            if cost
            else str(DELIVERY_LABELS[value]),
        )
        for value, cost in options
    ]


class AddToCartForm(FlaskForm):
    quantity = quantity_field()
    delivery = delivery_field()


class CartLineForm(FlaskForm):
    quantity = quantity_field()
    delivery = delivery_field()


class CheckoutForm(BuyerDetailsMixin, FlaskForm):
    """Contact and address (required), business details and PO reference (optional), terms."""

    name = buyer_name_field()
    email = buyer_email_field(_l("Hier sturen we de bevestiging en de facturen naartoe."))
    phone = StringField(
        _l("Telefoonnummer (niet verplicht)"),
        description=_l("Zodat de ondernemer u kan bellen over de levering."),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=30)],
        render_kw={"autocomplete": "tel", "type": "tel"},
    )
    street = StringField(
        _l("Straat en huisnummer"),
        filters=[strip_filter],
        validators=[InputRequired(_l("Vul uw straat en huisnummer in.")), Length(max=160)],
        render_kw={"autocomplete": "street-address"},
    )
    postcode = IdentifierField(
        _l("Postcode"),
        normalise=identifiers.postcode,
        filters=[strip_filter],
        validators=[InputRequired(_l("Vul uw postcode in."))],
        render_kw={"autocomplete": "postal-code"},
    )
    city = StringField(
        _l("Plaats"),
        filters=[strip_filter],
        validators=[InputRequired(_l("Vul uw woonplaats in.")), Length(max=80)],
        render_kw={"autocomplete": "address-level2"},
    )
    purchase_order_reference = StringField(
        _l("Uw inkoopordernummer (niet verplicht)"),
        description=_l("Voor bedrijven en gemeenten: dit nummer komt op de factuur."),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=80)],
    )
    accept_terms = BooleanField(
        _l("Ik ga akkoord met de voorwaarden van de winkel"),
        validators=[InputRequired(_l("Ga akkoord met de voorwaarden om te bestellen."))],
    )


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom kunt u dit niet leveren?"),
        description=_l("De klant krijgt dit te lezen en krijgt het geld terug."),
        filters=[strip_filter],
        validators=[
            InputRequired(_l("Schrijf op waarom u dit niet kunt leveren.")),
            Length(max=1000),
        ],
        # Without the attribute: the design system paints an empty required textarea red
        # before anything was typed, which alarms more than it helps.
        render_kw={"required": False},
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom annuleert u? (niet verplicht)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=1000)],
    )


class RefundForm(FlaskForm):
    amount = EuroField(
        _l("Bedrag in euro"),
        description=_l("Bijvoorbeeld 12,50. Het kan niet meer zijn dan wat er nog over is."),
        validators=[InputRequired(_l("Vul een bedrag in, bijvoorbeeld 12,50."))],
    )
    reason = TextAreaField(
        _l("Reden"),
        description=_l("De klant krijgt dit te lezen; het staat ook op de creditnota."),
        filters=[strip_filter],
        validators=[InputRequired(_l("Schrijf de reden op.")), Length(max=1000)],
        render_kw={"required": False},  # see DeclineForm.reason
    )
