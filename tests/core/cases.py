"""The worked cases of DESIGN.md §2-4, loaded from a copy kept next to the tests.

``settlement_cases.json`` is a verbatim copy of ``shared/fixtures/settlement_cases.json``;
the tests read nothing outside the repository.
"""

import json
from pathlib import Path
from typing import Any

from coopshop.money import InvoiceLineInput, LineSplit, VatRate
from coopshop.settlement.arithmetic import SettlementRule

Case = dict[str, Any]

_CASES: dict[str, Any] = json.loads(
    Path(__file__).with_name("settlement_cases.json").read_text(encoding="utf-8")
)

SETTLEMENT_CASES: list[Case] = _CASES["settlement"]
SEQUENCE_CASES: list[Case] = _CASES["sequences"]
INVOICE_CASES: list[Case] = _CASES["invoices"]
REFUND_CASES: list[Case] = _CASES["refunds"]


def case_id(case: Case) -> str:
    """The case's name, as the pytest id."""
    return str(case["name"])


def rule_from(data: dict[str, Any]) -> SettlementRule:
    """A SettlementRule from a case's ``rule`` object."""
    return SettlementRule(**data)


def line_from(data: dict[str, Any]) -> InvoiceLineInput:
    """An InvoiceLineInput from a case's line object (vat_rate given as 21, 9, 0 or "exempt")."""
    return InvoiceLineInput(data["gross_cents"], VatRate.parse(data["vat_rate"]))


def split_from(data: dict[str, int]) -> LineSplit:
    """A LineSplit from a case's expected or original legs."""
    return LineSplit(**data)
