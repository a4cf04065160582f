"""SEPA credit transfer files (pain.001.001.09) built with sepaxml, and IBAN checks.

``sepaxml`` validates every file it exports against the pain.001.001.09 XSD that ships with
it, so a file that leaves this module is valid. Without a BIC (it is optional within SEPA) the
debtor's bank is named ``NOTPROVIDED``, as Dutch banks expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sepaxml
from sepaxml import SepaTransfer
from sepaxml.validation import try_valid_xml
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

SCHEMA = "pain.001.001.09"
SCHEMA_PATH = Path(sepaxml.__file__).with_name("schemas") / f"{SCHEMA}.xsd"
_EMPTY_DEBTOR_AGENT = b"<DbtrAgt><FinInstnId /></DbtrAgt>"
_NOT_PROVIDED = b"<DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></DbtrAgt>"


def valid_iban(value: str | None) -> str | None:
    """The IBAN in its compact form if it is valid (python-stdnum), otherwise None."""
    if not value:
        return None
    try:
        return stdnum_iban.validate(value)
    except ValidationError:
        return None


@dataclass(frozen=True)
class Transfer:
    """One credit transfer: to whom, which account, how many cents, and its references."""

    name: str
    iban: str
    amount_cents: int
    end_to_end_id: str
    description: str


@dataclass(frozen=True)
class TransferFile:
    message_id: str
    xml: bytes


def transfer_file(
    debtor_name: str, debtor_iban: str, execution_date: date, transfers: Sequence[Transfer]
) -> TransferFile:
    """A validated pain.001.001.09 file paying ``transfers`` from the debtor's account.

    Raises sepaxml's ValidationError if the file does not satisfy the XSD (which would be a
    bug: the IBANs are validated before they get here).
    """
    config = {"name": debtor_name, "IBAN": debtor_iban, "batch": True, "currency": "EUR"}
    sepa = SepaTransfer(config, schema=SCHEMA, clean=True)
    for transfer in transfers:
        sepa.add_payment(
            {
                "name": transfer.name,
                "IBAN": transfer.iban,
                "amount": transfer.amount_cents,
                "execution_date": execution_date,
                "description": transfer.description,
                "endtoend_id": transfer.end_to_end_id,
            }
        )
    xml = sepa.export(validate=False)
    if xml.count(_EMPTY_DEBTOR_AGENT) == 1:
        xml = xml.replace(_EMPTY_DEBTOR_AGENT, _NOT_PROVIDED)
    try_valid_xml(xml, SCHEMA)
    return TransferFile(message_id=sepa.msg_id, xml=xml)
