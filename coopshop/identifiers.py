"""Dutch business identifiers, validated with python-stdnum and normalised for storage.

Each function returns the compact form or raises ``InvalidIdentifier`` with a message that says
how to fix the value.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import ValidationError
from stdnum.nl import postcode as stdnum_postcode


class InvalidIdentifier(ValueError):
    """A KvK number, VAT id, IBAN or postcode that is not valid."""


def kvk_number(value: str) -> str:
    """Eight digits. python-stdnum has no KvK module and KvK dropped its check digit in 2016,
    so the format is all that can be checked."""
    compact = "".join(value.split()).replace(".", "")
    if len(compact) != 8 or not compact.isdigit():
        raise InvalidIdentifier(str(_l("Een KvK-nummer heeft 8 cijfers, bijvoorbeeld 12345678.")))
    return compact


def vat_id(value: str) -> str:
    """An EU VAT id such as NL123456789B01 (country prefix required)."""
    try:
        return stdnum_vat.validate(value)
    except ValidationError as error:
        raise InvalidIdentifier(
            str(
                _l(
                    "Dit btw-nummer klopt niet. Een Nederlands btw-id ziet eruit als NL123456789B01."
                )
            )
        ) from error


def iban(value: str) -> str:
    try:
        return stdnum_iban.validate(value)
    except ValidationError as error:
        raise InvalidIdentifier(
            str(
                _l(
                    "Dit IBAN klopt niet. Controleer de letters en cijfers, bijvoorbeeld NL91 ABNA 0417 1643 00."
                )
            )
        ) from error


def format_iban(value: str | None) -> str:
    return stdnum_iban.format(value) if value else ""


def postcode(value: str) -> str:
    """Dutch postcode, stored as ``1234 AB``."""
    try:
        return stdnum_postcode.validate(value)
    except ValidationError as error:
        raise InvalidIdentifier(
            str(
                _l(
                    "Deze postcode klopt niet. Een postcode is 4 cijfers en 2 letters, bijvoorbeeld 1234 AB."
                )
            )
        ) from error


def cbs_code(value: str) -> str:
    """A CBS municipality code: ``GM`` and four digits, such as GM0363."""
    compact = value.strip().upper()
    if len(compact) != 6 or not compact.startswith("GM") or not compact[2:].isdigit():
        raise InvalidIdentifier(str(_l("Een CBS-code is GM met 4 cijfers, bijvoorbeeld GM0363.")))
    return compact
