"""Forms for listings, photos, moderation, categories and the storefront search."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    Form,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.validators import Length, NumberRange, Optional

from coopshop.catalogue.models import ListingKind, ServiceArea, Unit
from coopshop.forms import EuroField, required, slug_field, strip_filter
from coopshop.money import VatRate

UNIT_LABELS = {
    Unit.PIECE: _l("per stuk"),
    Unit.HOUR: _l("per uur"),
    Unit.DAY_PART: _l("per dagdeel"),
    Unit.JOB: _l("per klus"),
    Unit.SET: _l("per set"),
    Unit.PORTION: _l("per portie"),
}
VAT_LABELS = {
    VatRate.STANDARD: _l("21 %: de meeste producten en diensten"),
    VatRate.REDUCED: _l("9 %: bijvoorbeeld eten, boeken, reparatie van fietsen en kleding"),
    VatRate.ZERO: _l("0 %"),
    VatRate.EXEMPT: _l("Vrijgesteld: bijvoorbeeld sommige zorg en les"),
}


class CheckboxListField(SelectMultipleField):
    """Several choices as checkboxes, in a fieldset (rendered by ``_fields.html``)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ListingForm(FlaskForm):
    kind = RadioField(
        _l("Wat biedt u aan?"),
        choices=[
            SelectChoice(ListingKind.PRODUCT, _l("Een product: iets dat u maakt of verkoopt")),
            SelectChoice(ListingKind.SERVICE, _l("Een dienst: werk dat u voor iemand doet")),
        ],
        validators=[required(_l("Kies product of dienst."))],
    )
    title = StringField(
        _l("Titel"),
        filters=[strip_filter],
        description=_l("Kort en duidelijk, bijvoorbeeld: Handgemaakte fietstas van oud zeil."),
        validators=[required(), Length(min=3, max=120, message=_l("Gebruik 3 tot 120 tekens."))],
    )
    category_id = SelectField(
        _l("Categorie"), coerce=int, validators=[required(_l("Kies een categorie."))]
    )
    description = TextAreaField(
        _l("Beschrijving"),
        filters=[strip_filter],
        description=_l(
            "Vertel wat het is, hoe u het maakt of doet, en wat de klant krijgt. "
            "Een lege regel begint een nieuwe alinea."
        ),
        validators=[
            required(),
            Length(min=20, max=5000, message=_l("Gebruik 20 tot 5000 tekens.")),
        ],
    )
    price_cents = EuroField(
        _l("Prijs in euro, met btw"),
        description=_l("Wat de klant betaalt, bijvoorbeeld 12,50."),
        validators=[required(_l("Vul een prijs in, bijvoorbeeld 12,50."))],
    )
    unit = SelectField(
        _l("De prijs is"),
        choices=[SelectChoice(value, label) for value, label in UNIT_LABELS.items()],
        validators=[required()],
    )
    vat_rate = RadioField(
        _l("Btw-tarief"),
        choices=[SelectChoice(value, label) for value, label in VAT_LABELS.items()],
        default=VatRate.STANDARD,
        description=_l("Weet u het niet zeker? Vraag het uw coördinator."),
        validators=[required(_l("Kies een btw-tarief."))],
    )
    stock = IntegerField(
        _l("Voorraad (niet verplicht)"),
        description=_l("Hoeveel heeft u klaarliggen? Laat leeg als u het op bestelling maakt."),
        validators=[
            Optional(),
            NumberRange(min=0, max=100000, message=_l("Vul een aantal van 0 of meer in.")),
        ],
    )
    delivery_pickup = BooleanField(_l("Ophalen bij mij"))
    delivery_shipping = BooleanField(_l("Opsturen"))
    shipping_cents = EuroField(
        _l("Verzendkosten in euro (bij opsturen)"),
        description=_l("Bijvoorbeeld 4,95. Vul 0 in als verzenden gratis is."),
        validators=[Optional()],
    )
    delivery_on_site = BooleanField(_l("Ik kom bij de klant"))
    delivery_online = BooleanField(_l("Online (bijvoorbeeld via video of e-mail)"))
    service_area = RadioField(
        _l("Waar biedt u dit aan?"),
        choices=[
            SelectChoice(ServiceArea.NATIONWIDE, _l("In heel Nederland")),
            SelectChoice(ServiceArea.MUNICIPALITIES, _l("Alleen in de gemeenten die ik kies")),
            SelectChoice(ServiceArea.ONLINE, _l("Alleen online")),
        ],
        default=ServiceArea.NATIONWIDE,
        validators=[required(_l("Kies waar u dit aanbiedt."))],
    )
    municipality_ids = CheckboxListField(_l("Gemeenten"), coerce=int, validators=[Optional()])
    lead_time_days = IntegerField(
        _l("Levertijd in werkdagen (niet verplicht)"),
        description=_l("Hoeveel werkdagen heeft u nodig? Bijvoorbeeld 3."),
        validators=[
            Optional(),
            NumberRange(min=0, max=365, message=_l("Vul een aantal dagen tussen 0 en 365 in.")),
        ],
    )

    DELIVERY = ("delivery_pickup", "delivery_shipping", "delivery_on_site", "delivery_online")

    def validate_price_cents(self, field: EuroField) -> None:
        if field.data is not None and field.data <= 0:
            raise ValidationError(str(_l("De prijs moet meer dan 0 euro zijn.")))

    def validate_delivery_online(self, field: BooleanField) -> None:
        online_only = self.service_area.data == ServiceArea.ONLINE
        if not online_only and not any(getattr(self, name).data for name in self.DELIVERY):
            raise ValidationError(str(_l("Kies minstens één manier van leveren.")))

    def validate(self, extra_validators: Any = None) -> bool:
        """Checks across fields; ``Optional`` fields skip their own validators when empty."""
        valid = super().validate(extra_validators)
        if self.delivery_shipping.data and self.shipping_cents.data is None:
            if not self.shipping_cents.errors:
                self.shipping_cents.errors = [
                    str(_l("Vul de verzendkosten in, of 0 als het gratis is."))
                ]
            valid = False
        if self.service_area.data == ServiceArea.MUNICIPALITIES and not self.municipality_ids.data:
            self.municipality_ids.errors = [str(_l("Kies minstens één gemeente."))]
            valid = False
        return valid

    FIELDS = (
        "kind",
        "title",
        "category_id",
        "description",
        "price_cents",
        "unit",
        "vat_rate",
        "stock",
        *DELIVERY,
        "shipping_cents",
        "service_area",
        "municipality_ids",
        "lead_time_days",
    )

    def values(self) -> dict[str, Any]:
        values = {name: getattr(self, name).data for name in self.FIELDS}
        values["municipality_ids"] = list(values["municipality_ids"] or [])
        return values


class ImageForm(FlaskForm):
    photo = FileField(
        _l("Foto"),
        description=_l("Een JPG-, PNG- of WebP-foto van hoogstens 10 MB."),
        validators=[FileRequired(_l("Kies een foto."))],
    )
    alt_text = StringField(
        _l("Wat is er op de foto te zien?"),
        filters=[strip_filter],
        description=_l(
            "Voor mensen die de foto niet kunnen zien. Bijvoorbeeld: Blauwe fietstas aan een fiets."
        ),
        validators=[required(), Length(min=3, max=250, message=_l("Gebruik 3 tot 250 tekens."))],
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden voor het lid"),
        filters=[strip_filter],
        description=_l("Schrijf wat het lid moet veranderen. Het lid ziet deze tekst."),
        validators=[required(), Length(max=2000)],
    )


class CategoryForm(FlaskForm):
    name = StringField(_l("Naam"), filters=[strip_filter], validators=[required(), Length(max=80)])
    slug = slug_field(_l("Kleine letters, cijfers en streepjes, bijvoorbeeld tassen-en-textiel."))
    parent_id = SelectField(_l("Hoofdcategorie"), coerce=int, validators=[Optional()])
    description = TextAreaField(
        _l("Korte beschrijving (niet verplicht)"),
        filters=[strip_filter],
        validators=[Length(max=1000)],
    )
    position = IntegerField(
        _l("Volgorde (niet verplicht)"),
        default=0,
        description=_l("Lagere nummers staan eerder."),
        validators=[Optional(), NumberRange(min=0, max=1000)],
    )

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "slug": self.slug.data,
            "parent_id": self.parent_id.data or None,
            "description": self.description.data or "",
            "position": self.position.data or 0,
        }


SORT_LABELS = {
    "relevance": _l("Beste match"),
    "newest": _l("Nieuwste eerst"),
    "price_asc": _l("Prijs: laag naar hoog"),
    "price_desc": _l("Prijs: hoog naar laag"),
}


class SearchForm(Form):
    """The storefront's filters: a plain GET form (no CSRF: it changes nothing)."""

    q = StringField(_l("Zoek naar"), filters=[strip_filter])
    soort = SelectField(
        _l("Soort"),
        choices=[
            SelectChoice("", _l("Producten en diensten")),
            SelectChoice(ListingKind.PRODUCT, _l("Alleen producten")),
            SelectChoice(ListingKind.SERVICE, _l("Alleen diensten")),
        ],
        validators=[Optional()],
    )
    categorie = SelectField(_l("Categorie"), validators=[Optional()])
    cooperatie = SelectField(_l("Coöperatie"), validators=[Optional()])
    gemeente = SelectField(_l("Gemeente"), validators=[Optional()])
    online = BooleanField(_l("Alleen wat online kan"))
    min = EuroField(_l("Prijs vanaf (€)"), validators=[Optional()])
    max = EuroField(_l("Prijs tot en met (€)"), validators=[Optional()])
    sorteer = SelectField(
        _l("Sorteren op"),
        choices=[SelectChoice(value, label) for value, label in SORT_LABELS.items()],
        default="relevance",
        validators=[Optional()],
    )
