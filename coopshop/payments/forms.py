"""Forms of the payment simulator's test page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from coopshop.forms import ButtonForm


class SimulatorPayForm(ButtonForm):
    """The "Betalen" button, with the payment method the payer pretends to use."""

    method = RadioField(
        _l("Betaalmethode"),
        choices=[
            SelectChoice("ideal", "iDEAL"),
            SelectChoice("card", _l("Creditcard of betaalpas")),
        ],
        default="ideal",
        validators=[InputRequired()],
    )
