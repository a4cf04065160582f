"""Statements derived from the ledger: a member's earnings, a fund statement, member overview."""
