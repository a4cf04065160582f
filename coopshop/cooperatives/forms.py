"""Forms for cooperatives, levy versions, municipalities, rule versions and members."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from coopshop import identifiers
from coopshop.cooperatives.models import SettlementBasis, SettlementPeriod
from coopshop.forms import (
    EuroField,
    IdentifierField,
    PercentField,
    empty_to_none,
    required,
    slug_field,
    strip_filter,
)

DATE_HINT = _l("Kies een datum.")
EMAIL_INVALID = _l("Dit is geen geldig e-mailadres. Voorbeeld: naam@voorbeeld.nl")


class CooperativeForm(FlaskForm):
    name = StringField(_l("Naam"), filters=[strip_filter], validators=[required(), Length(max=160)])
    slug = slug_field(_l("Kleine letters, cijfers en streepjes, bijvoorbeeld coop-utrecht."))
    street = StringField(
        _l("Straat en huisnummer"), filters=[strip_filter], validators=[required(), Length(max=160)]
    )
    postcode = IdentifierField(
        _l("Postcode"),
        normalise=identifiers.postcode,
        filters=[strip_filter],
        validators=[required()],
    )
    city = StringField(
        _l("Plaats"), filters=[strip_filter], validators=[required(), Length(max=80)]
    )
    kvk_number = IdentifierField(
        _l("KvK-nummer"),
        normalise=identifiers.kvk_number,
        filters=[strip_filter],
        validators=[required()],
    )
    vat_id = IdentifierField(
        _l("Btw-nummer"),
        normalise=identifiers.vat_id,
        filters=[strip_filter],
        description=_l("Bijvoorbeeld NL123456789B01"),
        validators=[required()],
    )
    iban = IdentifierField(
        _l("IBAN"), normalise=identifiers.iban, filters=[strip_filter], validators=[required()]
    )
    invoice_prefix = StringField(
        _l("Voorvoegsel factuurnummers"),
        filters=[strip_filter],
        description=_l("2 tot 10 hoofdletters of cijfers, bijvoorbeeld CUT."),
        validators=[
            required(),
            Regexp(r"^[A-Z0-9]{2,10}$", message=_l("Gebruik 2 tot 10 hoofdletters of cijfers.")),
        ],
    )
    email = EmailField(
        _l("E-mailadres"), filters=[strip_filter], validators=[required(), Email(EMAIL_INVALID)]
    )
    description = TextAreaField(
        _l("Korte beschrijving (niet verplicht)"),
        filters=[strip_filter],
        validators=[Length(max=2000)],
    )

    FIELDS = (
        "name",
        "slug",
        "street",
        "postcode",
        "city",
        "kvk_number",
        "vat_id",
        "iban",
        "invoice_prefix",
        "email",
        "description",
    )

    def values(self) -> dict[str, object]:
        return {name: getattr(self, name).data for name in self.FIELDS}


class LevyRateForm(FlaskForm):
    levy = PercentField(
        _l("Afdracht aan het steunfonds (%)"),
        description=_l("Percentage van de omzet zonder btw, bijvoorbeeld 15."),
        validators=[required()],
    )
    effective_from = DateField(_l("Geldig vanaf"), validators=[required(DATE_HINT)])
    note = StringField(
        _l("Toelichting (niet verplicht)"), filters=[strip_filter], validators=[Length(max=255)]
    )


class MunicipalityForm(FlaskForm):
    name = StringField(_l("Naam"), filters=[strip_filter], validators=[required(), Length(max=120)])
    cbs_code = IdentifierField(
        _l("CBS-code"),
        normalise=identifiers.cbs_code,
        filters=[strip_filter],
        description=_l("GM met 4 cijfers, bijvoorbeeld GM0363 voor Amsterdam."),
        validators=[required()],
    )
    iban = IdentifierField(
        _l("IBAN voor afdrachten (niet verplicht)"),
        normalise=identifiers.iban,
        filters=[empty_to_none],
        validators=[Optional()],
    )

    def values(self) -> dict[str, object]:
        return {"name": self.name.data, "cbs_code": self.cbs_code.data, "iban": self.iban.data}


class RuleVersionForm(FlaskForm):
    effective_from = DateField(_l("Geldig vanaf"), validators=[required(DATE_HINT)])
    period = RadioField(
        _l("Periode"),
        choices=[
            SelectChoice(SettlementPeriod.MONTH, _l("Per maand")),
            SelectChoice(SettlementPeriod.QUARTER, _l("Per kwartaal")),
        ],
        validators=[required()],
    )
    basis = RadioField(
        _l("Grondslag"),
        choices=[
            SelectChoice(
                SettlementBasis.GROSS, _l("Bruto: inkomen lid (omzet zonder btw min afdracht)")
            ),
            SelectChoice(
                SettlementBasis.NET, _l("Netto: inkomen lid min een reservering voor belasting")
            ),
        ],
        validators=[required()],
    )
    tax_reserve = PercentField(
        _l("Reservering belasting (%)"),
        default=0,
        description=_l("Alleen bij netto, bijvoorbeeld 17."),
        validators=[Optional()],
    )
    exemption = PercentField(
        _l("Inkomstenvrijlating (%)"), description=_l("Bijvoorbeeld 25."), validators=[required()]
    )
    exemption_cap_cents = EuroField(
        _l("Maximale vrijlating per maand (€)"),
        description=_l("Bijvoorbeeld 285,00."),
        validators=[required()],
    )
    exemption_max_months = IntegerField(
        _l("Maximaal aantal maanden vrijlating"),
        validators=[
            required(),
            NumberRange(min=0, max=120, message=_l("Vul een aantal tussen 0 en 120 in.")),
        ],
    )
    offset = PercentField(
        _l("Verrekening door de gemeente (%)"),
        default=10000,
        description=_l("Meestal 100."),
        validators=[required()],
    )
    withhold = BooleanField(_l("De coöperatie houdt het bedrag in en betaalt het aan de gemeente"))
    source_note = StringField(
        _l("Bron (besluit, beleidsregel of brief)"),
        filters=[strip_filter],
        validators=[Length(max=255)],
    )

    def values(self) -> dict[str, object]:
        return {
            "effective_from": self.effective_from.data,
            "period": self.period.data,
            "basis": self.basis.data,
            "tax_reserve_bp": self.tax_reserve.data or 0,
            "exemption_bp": self.exemption.data,
            "exemption_cap_cents": self.exemption_cap_cents.data,
            "exemption_max_months": self.exemption_max_months.data,
            "offset_bp": self.offset.data,
            "withhold": self.withhold.data,
            "source_note": self.source_note.data or "",
        }


class PersonFields(FlaskForm):
    """Declared before the member details so that an invitation asks for the person first."""

    name = StringField(_l("Naam"), filters=[strip_filter], validators=[required(), Length(max=120)])
    email = EmailField(
        _l("E-mailadres"), filters=[strip_filter], validators=[required(), Email(EMAIL_INVALID)]
    )


class MemberDetailsForm(FlaskForm):
    municipality_id = SelectField(
        _l("Gemeente waar het lid woont"),
        coerce=int,
        validators=[required(_l("Kies een gemeente."))],
    )
    client_number = StringField(
        _l("Cliëntnummer bij de gemeente"),
        filters=[strip_filter],
        description=_l("Het nummer waaronder de gemeente het lid kent. Nooit een BSN."),
        validators=[required(), Length(max=40)],
    )
    trade_name = StringField(
        _l("Handelsnaam"), filters=[strip_filter], validators=[required(), Length(max=120)]
    )
    iban = IdentifierField(
        _l("IBAN voor uitbetaling (niet verplicht)"),
        normalise=identifiers.iban,
        filters=[empty_to_none],
        validators=[Optional()],
    )
    exemption_eligible = BooleanField(
        _l("Heeft recht op inkomstenvrijlating (27 jaar of ouder, goedgekeurd door de gemeente)")
    )
    exemption_end = DateField(_l("Vrijlating stopt op (niet verplicht)"), validators=[Optional()])

    def validate_client_number(self, field: StringField) -> None:
        digits = "".join(ch for ch in field.data if ch.isdigit())
        if len(digits) == 9 and digits == field.data.replace(" ", "").replace(".", ""):
            # A bare nine-digit number looks like a BSN, which must never be stored.
            raise ValidationError(
                str(
                    _l(
                        "Dit lijkt op een BSN. Vul het cliëntnummer van de gemeente in, niet het BSN."
                    )
                )
            )

    def values(self) -> dict[str, object]:
        names = (
            "municipality_id",
            "client_number",
            "trade_name",
            "iban",
            "exemption_eligible",
            "exemption_end",
        )
        return {name: getattr(self, name).data for name in names}


class MemberInviteForm(PersonFields, MemberDetailsForm):
    def values(self) -> dict[str, object]:
        return {**super().values(), "name": self.name.data, "email": self.email.data}


class AdminInviteForm(PersonFields):
    """A fellow coordinator: just a name and an e-mail address."""


class OwnProfileForm(FlaskForm):
    trade_name = StringField(
        _l("Handelsnaam"), filters=[strip_filter], validators=[required(), Length(max=120)]
    )
    bio = TextAreaField(
        _l("Over mij (zichtbaar voor klanten)"),
        filters=[strip_filter],
        description=_l("Vertel in een paar zinnen wat u maakt of doet."),
        validators=[Length(max=2000)],
    )
    iban = IdentifierField(
        _l("IBAN voor uitbetaling"),
        normalise=identifiers.iban,
        filters=[empty_to_none],
        validators=[Optional()],
    )
