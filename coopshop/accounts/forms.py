"""Forms for log-in, registration, invitations, password reset and the buyer profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, StopValidation

from coopshop import identifiers
from coopshop.accounts.models import BuyerKind
from coopshop.forms import IdentifierField, empty_to_none, strip_filter

MIN_PASSWORD = 10


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        filters=[strip_filter],
        validators=[InputRequired(_l("Vul uw e-mailadres in."))],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[InputRequired(_l("Vul uw wachtwoord in."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Ingelogd blijven op deze computer"))


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("Nieuw wachtwoord"),
        description=_l(
            "Minstens 10 tekens. Een zin van een paar woorden is makkelijk te onthouden."
        ),
        validators=[
            InputRequired(_l("Kies een wachtwoord.")),
            Length(
                min=MIN_PASSWORD,
                max=200,
                message=_l("Uw wachtwoord moet minstens 10 tekens hebben."),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Herhaal het wachtwoord"),
        validators=[
            InputRequired(_l("Typ het wachtwoord nog een keer.")),
            EqualTo("password", message=_l("De twee wachtwoorden zijn niet hetzelfde.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class ChoosePasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        filters=[strip_filter],
        validators=[
            InputRequired(_l("Vul uw e-mailadres in.")),
            Email(_l("Dit is geen geldig e-mailadres. Voorbeeld: naam@voorbeeld.nl")),
        ],
    )


def buyer_name_field() -> StringField:
    """The buyer's own name, for registration, the profile and checkout."""
    return StringField(
        _l("Uw naam"),
        filters=[strip_filter],
        validators=[InputRequired(_l("Vul uw naam in.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )


def buyer_email_field(description: str | None = None) -> EmailField:
    """The buyer's e-mail address, checked for its form."""
    return EmailField(
        _l("E-mailadres"),
        description=description,
        filters=[strip_filter],
        validators=[
            InputRequired(_l("Vul uw e-mailadres in.")),
            Email(_l("Dit is geen geldig e-mailadres. Voorbeeld: naam@voorbeeld.nl")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email"},
    )


class BuyerDetailsMixin:
    kind = RadioField(
        _l("Ik koop als"),
        choices=[
            SelectChoice(BuyerKind.CONSUMER, _l("Particulier")),
            SelectChoice(BuyerKind.BUSINESS, _l("Bedrijf")),
            SelectChoice(BuyerKind.MUNICIPALITY, _l("Gemeente of andere overheid")),
        ],
        default=BuyerKind.CONSUMER,
        validators=[InputRequired(_l("Kies hoe u koopt."))],
    )
    company_name = StringField(
        _l("Naam bedrijf of organisatie (verplicht voor bedrijven en gemeenten)"),
        filters=[empty_to_none],
        # No Optional(): it would stop the chain before validate_company_name, which requires
        # the name for a business or municipality.
        validators=[Length(max=160)],
    )
    kvk_number = IdentifierField(
        _l("KvK-nummer (niet verplicht)"),
        normalise=identifiers.kvk_number,
        filters=[empty_to_none],
        validators=[Optional()],
    )
    vat_id = IdentifierField(
        _l("Btw-nummer (niet verplicht)"),
        normalise=identifiers.vat_id,
        description=_l("Bijvoorbeeld NL123456789B01"),
        filters=[empty_to_none],
        validators=[Optional()],
    )
    street = StringField(
        _l("Straat en huisnummer"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=160)],
        render_kw={"autocomplete": "street-address"},
    )
    postcode = IdentifierField(
        _l("Postcode"),
        normalise=identifiers.postcode,
        filters=[empty_to_none],
        validators=[Optional()],
        render_kw={"autocomplete": "postal-code"},
    )
    city = StringField(
        _l("Plaats"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=80)],
        render_kw={"autocomplete": "address-level2"},
    )

    def buyer_details(self) -> dict[str, str | None]:
        return {
            name: getattr(self, name).data
            for name in (
                "kind",
                "company_name",
                "kvk_number",
                "vat_id",
                "street",
                "postcode",
                "city",
            )
        }

    def validate_company_name(self, field: StringField) -> None:
        if self.kind.data != BuyerKind.CONSUMER and not field.data:
            raise StopValidation(str(_l("Vul de naam van het bedrijf of de organisatie in.")))


class RegisterForm(BuyerDetailsMixin, FlaskForm):
    name = buyer_name_field()
    email = buyer_email_field()
    password, confirm = new_password_fields()


class BuyerProfileForm(BuyerDetailsMixin, FlaskForm):
    name = buyer_name_field()
