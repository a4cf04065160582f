"""Payout runs: a valid pain.001.001.09 batch of settled money, exported, executed, cancelled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import xmlschema

from coopshop.extensions import db
from coopshop.ledger.accounts import BANK
from coopshop.ledger.balances import account_balance, member_monthly_statement, member_pot
from coopshop.settlement import payout_services
from coopshop.settlement.errors import (
    InvalidDebtorAccount,
    NothingToPayOut,
    PayoutBatchPending,
    PayoutStateConflict,
)
from coopshop.settlement.models import PayoutStatus
from coopshop.settlement.payouts import batch_items, withheld_per_municipality
from coopshop.settlement.sepa import SCHEMA_PATH
from tests.factories import gen_coop_admin, gen_cooperative, gen_member, gen_municipality
from tests.settlement.helpers import book_income, close, mid_month

PAY_DAY = date(2026, 10, 6)
NAMESPACES = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def settled_world():
    """September closed: Fatima's pot 12750 (after 38250 withheld for Utrecht), Sanne's 30000
    (report only) without a valid IBAN, Kees 1000 (below the threshold); October is open."""
    utrecht = gen_municipality(name="Utrecht", iban="NL57TRIO3023757411")
    nieuwegein = gen_municipality(name="Nieuwegein", rule={"withhold": False})
    cooperative = gen_cooperative(name="Coöperatie Samen")
    fatima = gen_member(
        cooperative,
        utrecht,
        name="Fatima el Amrani",
        iban="NL10KNAB3055433959",
        exemption_eligible=True,
    )
    sanne = gen_member(cooperative, nieuwegein, name="Sanne Bakker", iban="NL00BANK0123456789")
    kees = gen_member(cooperative, nieuwegein, name="Kees Mulder", iban="NL91ABNA0417164300")
    book_income(fatima, 51_000, mid_month("2026-09"))
    book_income(sanne, 30_000, mid_month("2026-09"))
    book_income(kees, 1_000, mid_month("2026-09"))
    close(cooperative, "2026-09")
    book_income(fatima, 40_000, mid_month("2026-10"))  # not settled yet: not paid out
    admin = gen_coop_admin(cooperative)
    return cooperative, admin, fatima, sanne, utrecht


def test_a_batch_pays_settled_pots_above_the_threshold_and_the_withheld_offsets(app):
    with app.app_context():
        cooperative, admin, *_ = settled_world()

        batch = payout_services.create_batch(admin, cooperative.id, PAY_DAY)

        paid, skipped = batch_items(batch)
        assert [(item.name, item.amount_cents) for item in paid] == [
            ("Fatima el Amrani", 12_750),
            ("Gemeente Utrecht", 38_250),
        ]
        assert [(item.name, item.amount_cents, item.skip_reason) for item in skipped] == [
            ("Sanne Bakker", 30_000, "Geen geldig IBAN bekend")
        ]
        assert (batch.total_cents, batch.transfer_count) == (51_000, 2)
        assert batch.status == PayoutStatus.OPEN


def test_the_transfer_file_is_valid_pain_001_001_09(app):
    with app.app_context():
        cooperative, admin, *_ = settled_world()

        xml = payout_services.create_batch(admin, cooperative.id, PAY_DAY).xml

    schema = xmlschema.XMLSchema(str(SCHEMA_PATH))
    schema.validate(xml.decode("utf-8"))
    document = schema.to_dict(xml.decode("utf-8"))["CstmrCdtTrfInitn"]
    assert document["GrpHdr"]["NbOfTxs"] == "2"
    assert document["GrpHdr"]["CtrlSum"] == Decimal("510.00")
    (payment,) = document["PmtInf"]
    assert payment["DbtrAcct"]["Id"]["IBAN"] == "NL89RABO3000000000"
    assert payment["DbtrAgt"]["FinInstnId"]["Othr"]["Id"] == "NOTPROVIDED"
    assert payment["ReqdExctnDt"]["Dt"] == "2026-10-06"
    creditors = [
        (t["CdtrAcct"]["Id"]["IBAN"], t["Amt"]["InstdAmt"]["$"]) for t in payment["CdtTrfTxInf"]
    ]
    assert creditors == [
        ("NL10KNAB3055433959", Decimal("127.50")),
        ("NL57TRIO3023757411", Decimal("382.50")),
    ]
    assert b"NL00BANK0123456789" not in xml


def test_executing_the_exported_batch_posts_the_payouts(app):
    with app.app_context():
        cooperative, admin, fatima, _sanne, utrecht = settled_world()
        batch = payout_services.create_batch(admin, cooperative.id, PAY_DAY)
        payout_services.export_batch(admin, batch)

        entry = payout_services.execute_batch(admin, batch, PAY_DAY)

        assert batch.status == PayoutStatus.EXECUTED
        assert entry.booking_date == PAY_DAY and entry.payout_id == batch.id
        october = {row.period: row for row in member_monthly_statement(fatima.id)}["2026-10"]
        assert october.paid_out == 12_750
        assert member_pot(fatima.id) == 40_000  # only October's unsettled income is left
        assert withheld_per_municipality(cooperative.id) == {utrecht.id: 0}
        assert account_balance(BANK) == -51_000


def test_a_batch_is_executed_only_once_and_only_after_its_file_was_downloaded(app):
    with app.app_context():
        cooperative, admin, *_ = settled_world()
        batch = payout_services.create_batch(admin, cooperative.id, PAY_DAY)

        with pytest.raises(PayoutStateConflict, match="Download eerst"):
            payout_services.execute_batch(admin, batch, PAY_DAY)
        payout_services.export_batch(admin, batch)
        payout_services.execute_batch(admin, batch, PAY_DAY)
        with pytest.raises(PayoutStateConflict, match="al uitgevoerd"):
            payout_services.execute_batch(admin, batch, PAY_DAY)
        with pytest.raises(PayoutStateConflict, match="al uitgevoerd"):
            payout_services.cancel_batch(admin, batch)
        # Everything settled is paid: a new batch has nobody left to pay.
        with pytest.raises(NothingToPayOut):
            payout_services.create_batch(admin, cooperative.id, PAY_DAY)


def test_a_cancelled_batch_posts_nothing_and_frees_the_way_for_a_new_one(app):
    with app.app_context():
        cooperative, admin, fatima, *_ = settled_world()
        batch = payout_services.create_batch(admin, cooperative.id, PAY_DAY)
        with pytest.raises(PayoutBatchPending):
            payout_services.create_batch(admin, cooperative.id, PAY_DAY)

        payout_services.cancel_batch(admin, batch)

        assert batch.status == PayoutStatus.CANCELLED
        assert member_pot(fatima.id) == 12_750 + 40_000
        with pytest.raises(PayoutStateConflict, match="geannuleerd"):
            payout_services.export_batch(admin, batch)
        again = payout_services.create_batch(admin, cooperative.id, PAY_DAY)
        assert again.total_cents == 51_000


def test_the_threshold_decides_which_members_are_paid(app):
    with app.app_context():
        cooperative, admin, *_ = settled_world()
        payout_services.set_threshold(admin, cooperative, 500)

        batch = payout_services.create_batch(admin, cooperative.id, PAY_DAY)

        assert "Kees Mulder" in [item.name for item in batch.items]
        assert db.session.get(type(cooperative), cooperative.id).payout_threshold_cents == 500


def test_no_file_is_made_from_an_invalid_cooperative_iban(app):
    with app.app_context():
        cooperative, admin, *_ = settled_world()
        cooperative.iban = "NL00BANK0123456789"
        db.session.commit()

        with pytest.raises(InvalidDebtorAccount):
            payout_services.create_batch(admin, cooperative.id, PAY_DAY)
