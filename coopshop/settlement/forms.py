"""Forms of the period close, report corrections and payouts (CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from coopshop.forms import EuroField, strip_filter


class PeriodChoiceForm(FlaskForm):
    """Which month to preview: a GET form, so it has no CSRF token."""

    class Meta:
        csrf = False

    periode = SelectField(_l("Maand"), validators=[InputRequired()])


class CloseForm(FlaskForm):
    confirm = BooleanField(
        _l("Ik heb de cijfers gecontroleerd. Sluit de maand nu af."),
        description=_l(
            "Afsluiten kan niet ongedaan worden gemaakt. Daarna kan niets meer in deze maand "
            "worden geboekt. Latere correcties komen in de volgende maand."
        ),
        validators=[DataRequired(_l("Vink aan dat u de cijfers heeft gecontroleerd."))],
    )


class CorrectionForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom corrigeert u dit rapport?"),
        description=_l(
            "Bijvoorbeeld: het cliëntnummer van een lid was verkeerd. De reden komt op het "
            "nieuwe rapport te staan."
        ),
        filters=[strip_filter],
        validators=[
            InputRequired(_l("Schrijf op waarom u het rapport corrigeert.")),
            Length(max=500),
        ],
    )


class PayoutForm(FlaskForm):
    execution_date = DateField(
        _l("Datum van uitbetaling"),
        description=_l("De bank voert de overboekingen uit op deze datum."),
        validators=[InputRequired(_l("Kies een datum, bijvoorbeeld morgen."))],
    )


class ThresholdForm(FlaskForm):
    threshold = EuroField(
        _l("Drempel voor uitbetaling aan leden, in euro"),
        description=_l(
            "Een lid krijgt geld zodra het saldo minstens dit bedrag is. Bijvoorbeeld 25,00."
        ),
        validators=[
            InputRequired(_l("Vul een bedrag in, bijvoorbeeld 25,00.")),
            NumberRange(min=0, max=10_000_000),
        ],
    )
