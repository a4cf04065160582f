"""Form pieces shared by every feature: identifier fields and the empty form for POST buttons."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length, Regexp

from coopshop import identifiers
from coopshop.money import InvalidAmount, parse_eur

REQUIRED = _l("Dit veld is verplicht.")


def required(message: Any = None) -> InputRequired:
    """Input required, with a Dutch message unless the field has a more specific one."""
    return InputRequired(message or REQUIRED)


def slug_field(description: Any) -> StringField:
    """The short name in a web address (cooperatives, categories): lower case, digits, hyphens."""
    return StringField(
        _l("Korte naam voor het webadres"),
        filters=[strip_filter],
        description=description,
        validators=[
            required(),
            Length(max=80),
            Regexp(
                r"^[a-z0-9]+(-[a-z0-9]+)*$",
                message=_l("Gebruik alleen kleine letters, cijfers en streepjes."),
            ),
        ],
    )


class ButtonForm(FlaskForm):
    """No fields: a POST-only button (suspend, approve, log out) still carries a CSRF token."""


class IdentifierField(StringField):
    """A text field whose value is validated and normalised by one of ``coopshop.identifiers``."""

    def __init__(self, *args: Any, normalise: Callable[[str], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.normalise = normalise

    def post_validate(self, form: Any, validation_stopped: bool) -> None:
        if validation_stopped or not self.data:
            return
        try:
            self.data = self.normalise(self.data)
        except identifiers.InvalidIdentifier as error:
            self.errors.append(str(error))


def strip_filter(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def empty_to_none(value: Any) -> Any:
    value = strip_filter(value)
    return value or None


class PercentField(StringField):
    """A percentage typed the Dutch way (``12,5``), stored as integer basis points (1250)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        self.raw = valuelist[0].strip() if valuelist else ""
        if not self.raw:
            return
        text = self.raw.removesuffix("%").strip().replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if (
            value is None
            or not value.is_finite()
            or value < 0
            or value > 100
            or value != value.quantize(Decimal("0.01"))
        ):
            raise ValueError(
                str(_l("Vul een percentage tussen 0 en 100 in, bijvoorbeeld 25 of 12,5."))
            )
        self.data = int(value * 100)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format(Decimal(self.data) / 100, "f").rstrip("0").rstrip(".").replace(".", ",")


AMOUNT_ERRORS = {
    "empty": _l("Vul een bedrag in, bijvoorbeeld 12,50."),
    "negative": _l("Het bedrag mag niet negatief zijn."),
    "too_many_decimals": _l("Gebruik hoogstens 2 cijfers achter de komma, bijvoorbeeld 12,50."),
    "not_a_number": _l("Dit is geen bedrag. Schrijf het zo: 12,50 of 1.250,00."),
    "too_large": _l("Dit bedrag is te groot."),
}


class EuroField(StringField):
    """An amount typed the Dutch way (``285,00``), stored as integer cents."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = parse_eur(valuelist[0])
        except InvalidAmount as error:
            message = AMOUNT_ERRORS.get(error.reason, AMOUNT_ERRORS["not_a_number"])
            raise ValueError(str(message)) from error

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data // 100},{self.data % 100:02d}"
