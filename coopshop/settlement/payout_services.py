"""The steps of a payout run: create the batch, export its file, execute or cancel it.

Each step is one use case with one commit and an audit event. A cooperative has at most one
batch that is open or exported, so nobody is paid twice; executing posts one journal entry
(debit each payee's payable account, credit the platform's bank, legs tagged ``payout``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from coopshop.accounts.models import User
from coopshop.audit.services import record, snapshot
from coopshop.cooperatives.models import Cooperative
from coopshop.errors import NotFound
from coopshop.extensions import db
from coopshop.ledger.accounts import BANK, member_payable, municipality_payable
from coopshop.ledger.models import EntryKind, JournalEntry, Leg
from coopshop.ledger.services import Line, open_booking_date, post_entry
from coopshop.models_base import utcnow
from coopshop.settlement.audit_log import file_free_snapshot, record_event
from coopshop.settlement.documents import sha256
from coopshop.settlement.errors import (
    InvalidDebtorAccount,
    NothingToPayOut,
    PayoutBatchPending,
    PayoutStateConflict,
)
from coopshop.settlement.models import PayeeType, PayoutBatch, PayoutItem, PayoutStatus
from coopshop.settlement.payouts import NO_IBAN, Payee, batch_items, payees, pending_batch
from coopshop.settlement.sepa import Transfer, transfer_file, valid_iban


def create_batch(actor: User, cooperative_id: int, execution_date: date) -> PayoutBatch:
    """Make a batch of everyone owed money now, with its validated pain.001 file; commit.

    Raises PayoutBatchPending if the cooperative has a batch that is neither executed nor
    cancelled, InvalidDebtorAccount if its own IBAN is not valid, and NothingToPayOut if no
    payee with a valid IBAN is owed anything.
    """
    cooperative = _lock(cooperative_id)
    if pending_batch(cooperative.id) is not None:
        raise PayoutBatchPending(
            "Er staat al een uitbetaling klaar. Voer die eerst uit of annuleer haar."
        )
    debtor_iban = valid_iban(cooperative.iban)
    if debtor_iban is None:
        raise InvalidDebtorAccount(
            "Het IBAN van de coöperatie is niet geldig. Vraag het netwerkbeheer om het te verbeteren."
        )
    batch = _new_batch(cooperative, debtor_iban, execution_date)
    batch.created_by_id = actor.id
    db.session.add(batch)
    summary = f"{batch.transfer_count} overboekingen, {batch.total_cents} cent"
    record_event(actor.id, "payout.created", batch, cooperative_id=cooperative.id, summary=summary)
    db.session.commit()
    return batch


def _new_batch(cooperative: Cooperative, debtor_iban: str, execution_date: date) -> PayoutBatch:
    """The batch paying everyone owed money now, with its file; raises NothingToPayOut."""
    everyone = payees(cooperative)
    if not any(payee.iban for payee in everyone):
        raise NothingToPayOut("Er is nu niemand aan wie geld kan worden uitbetaald.")
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    items = [_item(payee, f"C{cooperative.id}-{stamp}-{n}") for n, payee in enumerate(everyone, 1)]
    transfers = [_transfer(item, cooperative.name) for item in items if not item.skipped]
    file = transfer_file(cooperative.name, debtor_iban, execution_date, transfers)
    return PayoutBatch(
        cooperative_id=cooperative.id,
        status=PayoutStatus.OPEN,
        message_id=file.message_id,
        execution_date=execution_date,
        debtor_name=cooperative.name,
        debtor_iban=debtor_iban,
        total_cents=sum(t.amount_cents for t in transfers),
        transfer_count=len(transfers),
        xml=file.xml,
        xml_sha256=sha256(file.xml),
        items=items,
    )


def _lock(cooperative_id: int) -> Cooperative:
    query = select(Cooperative).where(Cooperative.id == cooperative_id).with_for_update()
    cooperative = db.session.scalar(query)
    if cooperative is None:
        raise NotFound("Deze coöperatie bestaat niet.")
    return cooperative


def _item(payee: Payee, end_to_end_id: str) -> PayoutItem:
    return PayoutItem(
        payee_type=payee.payee_type,
        member_id=payee.payee_id if payee.payee_type == PayeeType.MEMBER else None,
        municipality_id=payee.payee_id if payee.payee_type == PayeeType.MUNICIPALITY else None,
        name=payee.name,
        iban=payee.iban,
        amount_cents=payee.amount_cents,
        end_to_end_id=end_to_end_id,
        skip_reason="" if payee.iban else NO_IBAN,
    )


def _transfer(item: PayoutItem, cooperative_name: str) -> Transfer:
    description = (
        f"Uitbetaling verdiensten {cooperative_name}"
        if item.payee_type == PayeeType.MEMBER
        else f"Inhouding bijstand leden {cooperative_name}"
    )
    # Only items with an IBAN are transferred; skipped ones never get here.
    return Transfer(item.name, str(item.iban), item.amount_cents, item.end_to_end_id, description)


def export_batch(actor: User, batch: PayoutBatch) -> bytes:
    """Mark the batch exported (the first time) and return its file; commit.

    Raises PayoutStateConflict for an executed or cancelled batch.
    """
    _require_status(batch, PayoutStatus.OPEN, PayoutStatus.EXPORTED)
    if batch.status == PayoutStatus.OPEN:
        _change_status(actor, batch, PayoutStatus.EXPORTED, "payout.exported")
        batch.exported_at = utcnow()
        db.session.commit()
    return batch.xml


def execute_batch(actor: User, batch: PayoutBatch, today: date) -> JournalEntry:
    """The bank carried out the file: post the payouts and mark the batch executed; commit.

    Only an exported batch can be executed (PayoutStateConflict otherwise). The entry is
    booked today, or in the next open period if today's is closed.
    """
    _require_status(batch, PayoutStatus.EXPORTED)
    paid, _skipped = batch_items(batch)
    legs = [_payout_leg(item) for item in paid]
    legs.append(Line(BANK, -batch.total_cents, None, Leg.PAYOUT))
    entry = post_entry(
        kind=EntryKind.PAYOUT,
        reference=f"payout:{batch.id}",
        booking_date=open_booking_date(batch.cooperative_id, today),
        lines=legs,
        cooperative_id=batch.cooperative_id,
        description=f"Uitbetaling {batch.message_id}",
        payout_id=batch.id,
    )
    _change_status(actor, batch, PayoutStatus.EXECUTED, "payout.executed")
    batch.executed_at = utcnow()
    db.session.commit()
    return entry


def _payout_leg(item: PayoutItem) -> Line:
    """Debit the payee's payable account; the database guarantees exactly one payee id is set."""
    if item.member_id is not None:
        return Line(member_payable(item.member_id), item.amount_cents, item.member_id, Leg.PAYOUT)
    account = municipality_payable(int(item.municipality_id or 0))
    return Line(account, item.amount_cents, None, Leg.PAYOUT)


def cancel_batch(actor: User, batch: PayoutBatch) -> None:
    """Cancel a batch that was not executed; nothing is posted. Commit.

    Raises PayoutStateConflict for an executed or cancelled batch.
    """
    _require_status(batch, PayoutStatus.OPEN, PayoutStatus.EXPORTED)
    _change_status(actor, batch, PayoutStatus.CANCELLED, "payout.cancelled")
    batch.cancelled_at = utcnow()
    db.session.commit()


def _require_status(batch: PayoutBatch, *allowed: PayoutStatus) -> None:
    # Lock the batch row so that two clicks cannot both execute it.
    db.session.execute(select(PayoutBatch.id).where(PayoutBatch.id == batch.id).with_for_update())
    db.session.refresh(batch, ["status"])
    if batch.status not in allowed:
        messages = {
            PayoutStatus.EXECUTED: "Deze uitbetaling is al uitgevoerd.",
            PayoutStatus.CANCELLED: "Deze uitbetaling is geannuleerd.",
            PayoutStatus.OPEN: "Download eerst het bestand voor de bank.",
        }
        raise PayoutStateConflict(messages.get(PayoutStatus(batch.status)))


def _change_status(actor: User, batch: PayoutBatch, status: PayoutStatus, action: str) -> None:
    before = file_free_snapshot(batch)
    batch.status = status
    summary = f"{batch.message_id}: {status}"
    cooperative_id = batch.cooperative_id
    record_event(
        actor.id, action, batch, cooperative_id=cooperative_id, summary=summary, before=before
    )


def set_threshold(actor: User, cooperative: Cooperative, cents: int) -> None:
    """Set the pot a member must reach before being paid out; commit."""
    before = snapshot(cooperative)
    cooperative.payout_threshold_cents = cents
    action = "cooperative.payout_threshold"
    summary = cooperative.name
    record(
        actor.id, action, cooperative, cooperative_id=cooperative.id, before=before, summary=summary
    )
    db.session.commit()
