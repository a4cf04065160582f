"""The chart of accounts: account codes, what they mean, and get-or-create by code.

A code names its owner and what the account holds: ``platform:psp_clearing``,
``coop:3:support_fund``, ``member:12:payable``, ``municipality:5:payable``. Accounts are created
on first use. Creation is ``INSERT ... ON CONFLICT DO NOTHING`` followed by a read, so two
transactions that need a new account at the same moment both get the one row, on SQLite and
PostgreSQL alike, without savepoints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, null, select
from sqlalchemy.dialects import postgresql, sqlite

from coopshop.cooperatives.models import Cooperative, Member, Municipality
from coopshop.errors import DomainError
from coopshop.extensions import db
from coopshop.ledger.models import LedgerAccount, OwnerType

T = TypeVar("T")

PSP_CLEARING = "platform:psp_clearing"  # money held at the payment provider
BANK = "platform:bank"
PSP_FEES = "platform:psp_fees"  # provider fees that a refund does not return

# The kinds each owner may have, by the owner's prefix in the code.
KINDS: dict[str, frozenset[str]] = {
    "platform": frozenset({"psp_clearing", "bank", "psp_fees"}),
    "coop": frozenset({"vat_payable", "support_fund", "fees", "buyer_receivable"}),
    "member": frozenset({"payable"}),
    "municipality": frozenset({"payable"}),
}
OWNER_TYPES = {
    "platform": OwnerType.PLATFORM,
    "coop": OwnerType.COOPERATIVE,
    "member": OwnerType.MEMBER,
    "municipality": OwnerType.MUNICIPALITY,
}
# Ids without leading zeros, so that one account can have only one code.
_CODE = re.compile(r"(?P<prefix>platform)|(?P<owner>coop|member|municipality):(?P<id>[1-9]\d*)")


class UnknownAccount(DomainError):
    """An account code is malformed, names an unknown kind, or an owner that does not exist."""

    status_code = 500


def vat_payable(cooperative_id: int) -> str:
    return f"coop:{cooperative_id}:vat_payable"


def support_fund(cooperative_id: int) -> str:
    return f"coop:{cooperative_id}:support_fund"


def coop_fees(cooperative_id: int) -> str:
    return f"coop:{cooperative_id}:fees"


def buyer_receivable(cooperative_id: int) -> str:
    """Invoices that buyers pay by bank transfer, until the transfer arrives."""
    return f"coop:{cooperative_id}:buyer_receivable"


def member_payable(member_id: int) -> str:
    """The member's pot: what the cooperative owes the member."""
    return f"member:{member_id}:payable"


def municipality_payable(municipality_id: int) -> str:
    """Benefit offsets withheld from members, to be remitted to the municipality."""
    return f"municipality:{municipality_id}:payable"


def get_account(code: str) -> LedgerAccount:
    """Return the account with ``code``, creating it if needed. Raises UnknownAccount."""
    return get_accounts([code])[code]


def get_accounts(codes: Iterable[str]) -> dict[str, LedgerAccount]:
    """Return the accounts for ``codes`` by code, creating the missing ones.

    One query when they all exist. Missing accounts are created in code order, so concurrent
    transactions wait for each other's new rows in the same order and cannot deadlock.
    Raises UnknownAccount for a malformed code or an owner that does not exist.
    """
    return _loaded_creating_missing(codes, _load)


def get_account_ids(codes: Iterable[str]) -> dict[str, int]:
    """Like :func:`get_accounts`, but only the ids: one plain query when they all exist, no
    account objects built (posting needs nothing else). Raises UnknownAccount."""
    return _loaded_creating_missing(codes, _load_ids)


def _loaded_creating_missing(
    codes: Iterable[str], load: Callable[[list[str]], dict[str, T]]
) -> dict[str, T]:
    wanted = sorted(set(codes))
    found = load(wanted)
    missing = [code for code in wanted if code not in found]
    for code in missing:
        insert_unless_exists(LedgerAccount.__table__, _account_row(code), "code")
    if missing:
        found.update(load(missing))
    return found


def _load_ids(codes: list[str]) -> dict[str, int]:
    if not codes:
        return {}
    table = LedgerAccount.__table__
    # An expanding IN: one cached statement whatever the number of codes.
    query = select(table.c.code, table.c.id).where(
        table.c.code.in_(bindparam("codes", expanding=True))
    )
    return dict(db.session.execute(query, {"codes": codes}).all())


def _account_row(code: str) -> dict[str, Any]:
    """The column values of a new account with ``code``. Raises UnknownAccount."""
    parts = code.rsplit(":", 1)
    match = _CODE.fullmatch(parts[0])
    if len(parts) != 2 or match is None:
        raise UnknownAccount(f"Onbekende grootboekrekening {code}.")
    prefix = match["prefix"] or match["owner"]
    if parts[1] not in KINDS[prefix]:
        raise UnknownAccount(f"Onbekende grootboekrekening {code}.")
    owner_id = int(match["id"]) if match["id"] else None
    return {
        "code": code,
        "owner_type": OWNER_TYPES[prefix],
        "owner_id": owner_id,
        "kind": parts[1],
        "cooperative_id": _books_of(OWNER_TYPES[prefix], owner_id, code),
    }


def _books_of(owner_type: OwnerType, owner_id: int | None, code: str) -> int | None:
    """The cooperative whose books hold the owner's account; raise if the owner is missing."""
    if owner_type is OwnerType.PLATFORM:
        return None
    lookups = {
        OwnerType.COOPERATIVE: select(Cooperative.id).where(Cooperative.id == owner_id),
        OwnerType.MEMBER: select(Member.cooperative_id).where(Member.id == owner_id),
        # A municipality's payable is shared by the cooperatives whose members live there.
        OwnerType.MUNICIPALITY: select(null()).where(Municipality.id == owner_id),
    }
    found = db.session.execute(lookups[owner_type]).first()
    if found is None:
        raise UnknownAccount(f"De eigenaar van rekening {code} bestaat niet.")
    return found[0]


def _load(codes: list[str]) -> dict[str, LedgerAccount]:
    if not codes:
        return {}
    accounts = db.session.scalars(select(LedgerAccount).where(LedgerAccount.code.in_(codes)))
    return {account.code: account for account in accounts}


def insert_unless_exists(table: Table, values: dict[str, Any], key: str) -> int | None:
    """Insert a row unless one with the same unique ``key`` exists; return the new id or None.

    On PostgreSQL a concurrent, uncommitted insert of the same key makes this wait for that
    transaction and then do nothing, so the caller can simply read the row afterwards.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[key])
        .returning(table.c.id)
    )
    return db.session.execute(statement).scalar()
