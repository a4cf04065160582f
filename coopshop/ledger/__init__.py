"""The double-entry ledger: accounts, journal entries, postings, period locks and checks.

The single source of truth for who is owed what (DESIGN.md §3). Features post through
:func:`coopshop.ledger.services.post_entry` (or the sale and refund flows built on it) and read
every balance back from the postings (:mod:`coopshop.ledger.balances`).
"""
